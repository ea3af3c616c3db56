/**
 * kafkajs admin against the broker: createTopics, deleteTopics,
 * fetchTopicMetadata, fetchTopicOffsets, fetchTopicOffsetsByTimestamp, and
 * topic auto-creation; plus kcat producing and kafkajs admin seeing the
 * offsets.
 */
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';

let broker: BrokerProcess;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBroker({ args: ['--default-partitions', '2'] });
  kafka = new Kafka({ clientId: 'compat-admin', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
});
afterAll(async () => {
  await broker.cleanup();
});

test('createTopics, fetchTopicMetadata, listTopics and deleteTopics', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }, { topic: 'payments', numPartitions: 1 }], waitForLeaders: true })).toBe(true);
    // A second create of the same topic is not an error for kafkajs: it reports false (TOPIC_ALREADY_EXISTS).
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }] })).toBe(false);

    const meta = await admin.fetchTopicMetadata({ topics: ['orders', 'payments'] });
    const orders = meta.topics.find((t) => t.name === 'orders')!;
    expect(orders.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    for (const p of orders.partitions) {
      expect(p.leader).toBe(1);
      expect(p.replicas).toEqual([1]);
      expect(p.isr).toEqual([1]);
      expect(p.partitionErrorCode).toBe(0);
    }
    expect((await admin.listTopics()).sort()).toEqual(expect.arrayContaining(['orders', 'payments']));

    await admin.deleteTopics({ topics: ['payments'] });
    expect(await admin.listTopics()).not.toContain('payments');
    await expect(admin.deleteTopics({ topics: ['payments'] })).rejects.toThrow(/does not host this topic-partition/);
  } finally {
    await admin.disconnect();
  }
});

test('createTopics refuses bad partitions, replication factors and names with Kafka error types', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await expect(admin.createTopics({ topics: [{ topic: 'rf3', numPartitions: 1, replicationFactor: 3 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })],
    });
    await expect(admin.createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_PARTITIONS' })],
    });
    await expect(admin.createTopics({ topics: [{ topic: 'bad name!', numPartitions: 1 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })],
    });
    await expect(
      admin.createTopics({ topics: [{ topic: 'badconfig', configEntries: [{ name: 'no.such.config', value: '1' }] }] }),
    ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })] });
    expect(await admin.listTopics()).not.toEqual(expect.arrayContaining(['rf3', 'zero', 'badconfig']));
  } finally {
    await admin.disconnect();
  }
});

test('fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async () => {
  const topic = 'timed';
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const t0 = Date.UTC(2023, 5, 1);
    // One batch with ten records 1 s apart, then another batch later.
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `a${i}`, timestamp: String(t0 + i * 1000) })) });
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${i}`, timestamp: String(t0 + 60000 + i * 1000) })) });

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '15', offset: '15' })]);

    // The first record whose timestamp is >= the target, even inside a batch.
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 3500)).toEqual([{ partition: 0, offset: '4' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 60000)).toEqual([{ partition: 0, offset: '10' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, t0 - 1)).toEqual([{ partition: 0, offset: '0' }]);
    // Past the last timestamp: kafkajs falls back to the latest offset when the broker answers -1.
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 3600000)).toEqual([{ partition: 0, offset: '15' }]);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});

test('a producer\'s first send auto-creates the topic (through Metadata) with the default partition count', async () => {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: 'auto-created', messages: [{ value: 'hello' }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: ['auto-created'] });
  await admin.disconnect();
  expect(meta.topics[0].partitions).toHaveLength(2);
});

test('kcat produces, kafkajs admin sees the offsets', async () => {
  const topic = 'from-kcat';
  const lines = Array.from({ length: 25 }, (_, i) => `k${i % 4}:v${i}`).join('\n') + '\n';
  const out = await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', '1', '-K:'], lines);
  expect(out.code).toBe(0);
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  expect(offsets.sort((a, b) => a.partition - b.partition)).toEqual([
    expect.objectContaining({ partition: 0, low: '0', high: '0' }),
    expect.objectContaining({ partition: 1, low: '0', high: '25' }),
  ]);
  const back = await kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n']);
  expect(back.stdout.trim().split('\n')).toEqual(Array.from({ length: 25 }, (_, i) => `k${i % 4}=v${i}`));
});

test('with auto-creation off, unknown topics get UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const strict = await startBroker({ args: ['--no-auto-create-topics'] });
  try {
    const k = new Kafka({ clientId: 'strict', brokers: [strict.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = k.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await expect(producer.send({ topic: 'nope', messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition/);
    await producer.disconnect();
    const admin = k.admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual([]);
    await admin.disconnect();
  } finally {
    await strict.cleanup();
  }
});
