import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRODUCER_ID_FILE, ProducerIdManager } from '../../src/cluster/producer-id-manager';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kafkats-pid-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

test('ids are distinct, come from reserved blocks, and are never reused by a later incarnation', async () => {
  const a = new ProducerIdManager(dir, 10n);
  await a.load();
  const first = await Promise.all(Array.from({ length: 25 }, () => a.generate()));
  expect(first).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)));
  // the file says where the next block starts: reserved before any id of the current one was handed out
  expect(JSON.parse(await fsp.readFile(path.join(dir, PRODUCER_ID_FILE), 'utf8'))).toEqual({ version: 1, nextBlockStart: '30' });
  // a restart (or a crash) skips the rest of the block
  const b = new ProducerIdManager(dir, 10n);
  await b.load();
  expect(await b.generate()).toBe(30n);
});

test('a damaged block file stops the start rather than risk reusing ids', async () => {
  await fsp.writeFile(path.join(dir, PRODUCER_ID_FILE), 'garbage');
  await expect(new ProducerIdManager(dir).load()).rejects.toThrow(/not a producer id block file/);
});
