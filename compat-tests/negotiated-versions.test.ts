/**
 * No client is held to an older path: @platformatic/kafka and kafkajs, run
 * through a recording TCP proxy (the broker advertises the proxy's port, so
 * every connection goes through it), produce, consume in a group, commit,
 * fetch offsets and ask metadata; every API they use must be sent at the
 * highest version both they and Kafka 4.3 (and so we) have, which is their
 * own newest. The versions above theirs are covered by
 * latest-versions.test.ts with a raw client.
 */
import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { MESSAGES, MessagePair } from '../src/protocol/messages';
import { kafkajsVersions, platformaticVersions } from '../test/protocol/differential';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { runOk, runScript } from './clients/run';

/** A proxy that forwards bytes both ways and records each request's (apiKey, apiVersion). */
class RecordingProxy {
  readonly seen: [number, number][] = [];
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async listen(port: number, upstreamPort: number): Promise<RecordingProxy> {
    let proxy!: RecordingProxy;
    const server = createServer((client) => {
      const upstream = connect(upstreamPort, '127.0.0.1');
      proxy.sockets.add(client).add(upstream);
      let pending = Buffer.alloc(0);
      client.on('data', (d) => {
        pending = Buffer.concat([pending, d]);
        while (pending.length >= 8) {
          const size = pending.readInt32BE(0);
          if (pending.length < 4 + size) break;
          proxy.seen.push([pending.readInt16BE(4), pending.readInt16BE(6)]);
          pending = pending.subarray(4 + size);
        }
        upstream.write(d);
      });
      upstream.on('data', (d) => client.write(d));
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    proxy = new RecordingProxy(server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  /** The highest version seen per API key. */
  highest(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const [k, v] of this.seen) out[k] = Math.max(out[k] ?? -1, v);
    return out;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

let broker: BrokerProcess;
let proxy: RecordingProxy;
let bootstrap: string;

beforeAll(async () => {
  const port = await freePort();
  broker = await startBroker({ args: ['--advertised-port', String(port)] });
  proxy = await RecordingProxy.listen(port, broker.port);
  bootstrap = `127.0.0.1:${port}`;
}, 30000);
afterAll(async () => {
  await proxy?.close();
  await broker?.cleanup();
});

const ours = (apiKey: number) => (MESSAGES as Record<number, MessagePair>)[apiKey].request.maxVersion;

/** What each client must have used: its newest version of the API, which is within ours. */
function expectNewest(used: Record<number, number>, theirs: Record<number, number[]>): void {
  const expected: Record<number, number> = {};
  for (const [key, versions] of Object.entries(theirs)) {
    const newest = Math.max(...versions);
    expect(newest).toBeLessThanOrEqual(ours(Number(key)));
    expected[Number(key)] = newest;
  }
  expect(used).toMatchObject(expected);
}

test('@platformatic/kafka uses its newest version of every API it calls', async () => {
  proxy.seen.length = 0;
  const plt = (command: string, args: unknown) => runOk(process.execPath, 'platformatic_kafka_client.mjs', bootstrap, command, args, 30000);
  await plt('create_topics', { topics: ['nv-plt'], partitions: 2 });
  await plt('produce', { topic: 'nv-plt', acks: -1, messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 })) });
  const fetched = await plt('fetch', { topic: 'nv-plt' });
  expect(fetched.records).toHaveLength(4);
  const group = await runScript(process.execPath, 'platformatic_group.mjs', bootstrap, 'consume', { topic: 'nv-plt', group: 'nv-plt-group', count: 4 }, 30000);
  expect(group.code).toBe(0);
  expect(group.json.messages).toHaveLength(4);

  const used = proxy.highest();
  // ApiVersions itself it always sends at v3, before it knows the broker's range (it has v4 too).
  expect(used[18]).toBe(3);
  expectNewest(used, {
    0: platformaticVersions('produce'),
    1: platformaticVersions('fetch'),
    2: platformaticVersions('list-offsets'),
    3: platformaticVersions('metadata'),
    8: platformaticVersions('offset-commit'),
    9: platformaticVersions('offset-fetch'),
    10: platformaticVersions('find-coordinator'),
    11: platformaticVersions('join-group'),
    14: platformaticVersions('sync-group'),
    19: platformaticVersions('create-topics'),
  });
}, 60000);

test('kafkajs uses its newest version of every API it calls', async () => {
  proxy.seen.length = 0;
  const kafka = new Kafka({ clientId: 'nv-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: 'nv-kafkajs-group', maxWaitTimeInMs: 200 });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'nv-kjs', numPartitions: 2 }] });
    await producer.connect();
    await producer.send({ topic: 'nv-kjs', acks: -1, messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 })) });
    await consumer.connect();
    await consumer.subscribe({ topic: 'nv-kjs', fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${got.length}`)), 30000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(String(message.value));
            if (got.length === 4) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.commitOffsets([{ topic: 'nv-kjs', partition: 0, offset: '2' }]);
    const committed = await admin.fetchOffsets({ groupId: 'nv-kafkajs-group', topics: ['nv-kjs'] });
    expect(committed[0].partitions.find((p) => p.partition === 0)?.offset).toBe('2');
    expect((await admin.fetchTopicOffsets('nv-kjs')).map((p) => p.high).sort()).toEqual(['2', '2']);
    expect(got.sort()).toEqual(['v0', 'v1', 'v2', 'v3']);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  }
  const used = proxy.highest();
  const inOurs = (dir: string, key: number) => kafkajsVersions(dir).filter((v) => v <= ours(key));
  expectNewest(used, {
    0: inOurs('produce', 0),
    1: inOurs('fetch', 1),
    2: inOurs('listOffsets', 2),
    3: inOurs('metadata', 3),
    8: inOurs('offsetCommit', 8),
    9: inOurs('offsetFetch', 9),
    10: inOurs('findCoordinator', 10),
    11: inOurs('joinGroup', 11),
    14: inOurs('syncGroup', 14),
    18: inOurs('apiVersions', 18),
    19: inOurs('createTopics', 19),
  });
}, 60000);
