/**
 * dist/kafkats.js starts the bundle through a V8 code cache it writes next
 * to the bundle once the broker is ready (src/server/launcher.ts). Run from a
 * copy of dist/ so the cache files are this test's own: the first start
 * compiles and writes the cache, the next one uses it, a damaged cache is
 * rejected by V8 and rewritten, a changed bundle never meets the cache of the
 * old one, and every one of these starts answers clients.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBroker } from './helpers/broker-process';

const DIST = resolve(__dirname, '../dist');
let dir: string;
const brokers: BrokerProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafkats-code-cache-'));
  for (const f of ['kafkats.js', 'kafkats-main.js']) copyFileSync(join(DIST, f), join(dir, f));
  // the bundle's external packages (codec addons) resolve from here
  symlinkSync(resolve(__dirname, '../node_modules'), join(dir, 'node_modules'));
});
afterAll(async () => {
  for (const b of brokers) await b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const caches = () => readdirSync(dir).filter((f) => f.endsWith('.v8cache'));

/** Starts the copy, checks it answers a client, stops it; returns what its "ready" line said of the cache. */
async function startOnce(env: Record<string, string> = {}): Promise<string> {
  const b = await startBroker({ cli: join(dir, 'kafkats.js'), env });
  brokers.push(b);
  const deadline = Date.now() + 10000;
  while (!b.logs.some((l) => l.msg === 'ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const ready = b.logs.find((l) => l.msg === 'ready')!;
  const admin = new Kafka({ clientId: 'code-cache', brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'cc', numPartitions: 1 }] });
  expect(await admin.listTopics()).toContain('cc');
  await admin.disconnect();
  // the cache is written shortly after "ready"
  await new Promise((r) => setTimeout(r, 600));
  expect(await b.stop()).toBe(0);
  return ready.codeCache as string;
}

test('written at the first start, used by the next, rejected and rewritten when damaged', async () => {
  expect(caches()).toEqual([]);
  expect(await startOnce()).toBe('none');
  expect(caches()).toHaveLength(1);
  expect(await startOnce()).toBe('used');

  const file = join(dir, caches()[0]);
  const damaged = readFileSync(file);
  for (let i = 64; i < damaged.length; i += 97) damaged[i] ^= 0x5a;
  writeFileSync(file, damaged);
  expect(await startOnce()).toBe('rejected');
  expect(await startOnce()).toBe('used');

  expect(await startOnce({ KAFKATS_CODE_CACHE: 'off' })).toBe('off');
  expect(await startOnce()).toBe('used'); // off left the cache alone
}, 60000);

test('a changed bundle of the same length does not meet the old cache, which goes when the new one is written', async () => {
  const before = caches();
  expect(before).toHaveLength(1);
  // a rebuild of the same length (V8 alone would take the old cache for it): one character of a comment changed
  const bundle = readFileSync(join(dir, 'kafkats-main.js'), 'utf8');
  const rebuilt = bundle.replace('// dist/server/cli.js', '// dist/server/cli.jz');
  expect(rebuilt).not.toBe(bundle);
  expect(rebuilt.length).toBe(bundle.length);
  writeFileSync(join(dir, 'kafkats-main.js'), rebuilt);
  expect(await startOnce()).toBe('none');
  const after = caches();
  expect(after).toHaveLength(1);
  expect(after[0]).not.toBe(before[0]);
  expect(await startOnce()).toBe('used');
}, 60000);
