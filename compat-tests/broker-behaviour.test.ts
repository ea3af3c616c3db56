/**
 * Broker behaviour a user relies on: long-poll fetches woken by appends,
 * graceful shutdown answering waiting requests, retention applied on its
 * timer, settings from flags and environment variables, --help.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../src/protocol/error-codes';
import { fetchRequest, fetchResponse } from '../src/protocol/messages';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';
import { fetchBody } from './helpers/requests';

async function produce(b: BrokerProcess, topic: string, values: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'behaviour', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

describe('long-poll fetch', () => {
  let b: BrokerProcess;
  beforeAll(async () => {
    b = await startBroker();
    await produce(b, 'poll', ['first']);
  });
  afterAll(() => b.cleanup());

  test('a fetch at the end of the log waits and is answered as soon as a record arrives', async () => {
    const c = await RawClient.open(b.port);
    const t0 = Date.now();
    const pending = c.request(1, fetchRequest, fetchResponse, 11, fetchBody('poll', 1n, 20000));
    await new Promise((r) => setTimeout(r, 300));
    await produce(b, 'poll', ['second']);
    const res = await pending;
    const elapsed = Date.now() - t0;
    const p = res.responses[0].partitions[0];
    expect(p.errorCode).toBe(ErrorCode.NONE);
    expect(p.highWatermark).toBe(2n);
    expect((p.records as Buffer).includes(Buffer.from('second'))).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(10000); // woken by the append, long before max wait
    c.close();
  });

  test('with nothing new it answers after max wait with an empty record set', async () => {
    const c = await RawClient.open(b.port);
    const t0 = Date.now();
    const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody('poll', 2n, 400));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(res.responses[0].partitions[0].records).toEqual(Buffer.alloc(0));
    c.close();
  });
});

test('SIGTERM answers a waiting fetch, exits 0 and logs a clean shutdown', async () => {
  const b = await startBroker();
  try {
    await produce(b, 'bye', ['x']);
    const c = await RawClient.open(b.port);
    const pending = c.request(1, fetchRequest, fetchResponse, 11, fetchBody('bye', 1n, 30000));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const code = await b.stop();
    const res = await pending;
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(b.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'shut down cleanly']));
  } finally {
    await b.cleanup();
  }
});

test('retention deletes old segments on its timer and moves the log start offset', async () => {
  const b = await startBroker({ args: ['--retention-check-interval-ms', '200'] });
  try {
    const kafka = new Kafka({ clientId: 'retention', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'short', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'segment.bytes', value: '200' }] }],
    });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'short', messages: [{ value: `old-${i}-${'x'.repeat(150)}` }] });
    await producer.disconnect();
    let low = '0';
    // segments go one by one: wait for the four sealed ones (checking only for a first deletion raced with the rest)
    for (let i = 0; i < 50 && Number(low) < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      low = (await admin.fetchTopicOffsets('short'))[0].low;
    }
    const [o] = await admin.fetchTopicOffsets('short');
    await admin.disconnect();
    expect(Number(o.low)).toBeGreaterThanOrEqual(4);
    expect(o.high).toBe('5');
  } finally {
    await b.cleanup();
  }
});

test('settings come from KAFKATS_* environment variables', async () => {
  const b = await startBroker({ env: { KAFKATS_DEFAULT_PARTITIONS: '3', KAFKATS_NODE_ID: '7' } });
  try {
    const kafka = new Kafka({ clientId: 'env', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
    await produce(b, 'env-topic', ['x']);
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: ['env-topic'] });
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(meta.topics[0].partitions).toHaveLength(3);
    expect(meta.topics[0].partitions[0].leader).toBe(7);
    expect(cluster.brokers).toEqual([{ nodeId: 7, host: '127.0.0.1', port: b.port }]);
  } finally {
    await b.cleanup();
  }
});

test('--help documents every setting', () => {
  const out = execFileSync(process.execPath, [resolve(__dirname, '../dist/kafkats.js'), '--help']).toString();
  for (const flag of [
    '--node-id',
    '--host',
    '--port',
    '--advertised-host',
    '--advertised-port',
    '--data-dir',
    '--default-partitions',
    '--auto-create-topics',
    '--max-request-bytes',
    '--log-retention-ms',
    '--log-retention-bytes',
    '--log-segment-bytes',
    '--log-segment-ms',
    '--message-max-bytes',
    '--log-flush-interval-messages',
    '--retention-check-interval-ms',
    '--log-level',
  ]) {
    expect(out).toContain(flag);
  }
  expect(out).toContain('KAFKATS_');
});

test('a second broker on the same data directory refuses to start', async () => {
  const b = await startBroker();
  try {
    await expect(startBroker({ dataDir: b.dataDir })).rejects.toThrow(/locked|exited/);
  } finally {
    await b.cleanup();
  }
});

test('invalid settings stop the broker before it starts, saying why', () => {
  const cli = resolve(__dirname, '../dist/kafkats.js');
  for (const [args, why] of [
    [['--port', 'abc'], /port must be an integer/],
    [['--default-partitions', '0'], /default partitions must be at least 1/],
    [['--no-such-flag'], /Unknown argument/],
  ] as const) {
    let failed = false;
    try {
      execFileSync(process.execPath, [cli, ...args], { stdio: 'pipe' });
    } catch (err) {
      failed = true;
      expect(String((err as { stderr: Buffer }).stderr)).toMatch(why);
    }
    expect(failed).toBe(true);
  }
});
