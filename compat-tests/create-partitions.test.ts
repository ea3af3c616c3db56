/**
 * CreatePartitions through real clients: kafkajs, kafka-python,
 * confluent-kafka and @platformatic/kafka each grow a topic and every other
 * client (and kcat) sees the new partitions; refusals carry Kafka's codes
 * and messages; a running kafkajs consumer group and producer start using
 * new partitions after their next metadata refresh.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createPartitionsRequest, createPartitionsResponse, findCoordinatorRequest, findCoordinatorResponse } from '../src/protocol/messages';
import { ErrorCode } from '../src/protocol/error-codes';
import { PYTHON, scriptClient } from './clients/run';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';

jest.setTimeout(60000);

const broker = useBroker();
const clients = useKafkajsClients(broker, 'compat-create-partitions');
const py = scriptClient(PYTHON, 'python_admin_partitions.py', () => broker.current.bootstrap);
const plt = scriptClient(process.execPath, 'platformatic_admin.mjs', () => broker.current.bootstrap);

/** Partition counts of `topic` as kafkajs, kcat, kafka-python, confluent-kafka and @platformatic/kafka see it. */
async function seenBy(topic: string): Promise<Record<string, number>> {
  const meta = await clients.admin.fetchTopicMetadata({ topics: [topic] });
  const k = await kcat(['-b', broker.current.bootstrap, '-L', '-J', '-t', topic]);
  expect(k.code).toBe(0);
  const kcatTopic = JSON.parse(k.stdout).topics.find((t: { topic: string }) => t.topic === topic);
  const [kp, ck, pl] = await Promise.all([
    py.ok('kp_partitions', { topic }),
    py.ok('ck_partitions', { topic }),
    plt.ok('partitions', { topic }),
  ]);
  return {
    kafkajs: meta.topics[0].partitions.length,
    kcat: kcatTopic.partitions.length,
    kafkaPython: kp.partitions.length,
    confluentKafka: ck.partitions.length,
    platformatic: pl.partitionsCount,
  };
}

const all = (n: number) => ({ kafkajs: n, kcat: n, kafkaPython: n, confluentKafka: n, platformatic: n });

test('each client grows the topic and every client sees it', async () => {
  const admin = clients.admin;
  await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 2 }] });
  expect(await seenBy('grow')).toEqual(all(2));

  await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] });
  expect(await seenBy('grow')).toEqual(all(3));

  expect(await py.ok('kp_create_partitions', { topic: 'grow', count: 4 })).toEqual({ results: [['grow', 0, null]] });
  expect(await seenBy('grow')).toEqual(all(4));

  expect(await py.ok('ck_create_partitions', { topic: 'grow', count: 6 })).toEqual({ ok: true });
  expect(await seenBy('grow')).toEqual(all(6));

  expect(await plt.ok('create_partitions', { topic: 'grow', count: 7 })).toEqual({ ok: true });
  expect(await seenBy('grow')).toEqual(all(7));

  // the new partitions take records from every client and give them back
  const producer = clients.producer;
  await producer.send({ topic: 'grow', messages: [{ partition: 6, value: 'in the newest partition' }] });
  const out = await kcat(['-b', broker.current.bootstrap, '-C', '-t', 'grow', '-p', '6', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
  expect(out.stdout).toBe('in the newest partition\n');

  // a SIGKILL right after: the partitions and their records are there after the restart
  await broker.current.kill();
  await broker.current.restart();
  expect(await seenBy('grow')).toEqual(all(7));
  const again = await kcat(['-b', broker.current.bootstrap, '-C', '-t', 'grow', '-p', '6', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
  expect(again.stdout).toBe('in the newest partition\n');
});

test('same or fewer partitions, unknown topics, bad assignments: Kafka codes and messages in every client', async () => {
  const admin = clients.admin;
  await admin.createTopics({ topics: [{ topic: 'fixed', numPartitions: 3 }] });
  // kafkajs reports the code (its own text for it, not the broker's message)
  const kafkajsError = (count: number, assignments?: number[][]) =>
    admin.createPartitions({ topicPartitions: [{ topic: 'fixed', count, assignments }] }).then(
      () => 'accepted',
      (e: { type: string }) => e.type,
    );
  expect(await kafkajsError(3)).toBe('INVALID_PARTITIONS');
  expect(await kafkajsError(2)).toBe('INVALID_PARTITIONS');
  expect(await kafkajsError(5, [[1], [2]])).toBe('INVALID_REPLICA_ASSIGNMENT');
  expect(await kafkajsError(5, [[1]])).toBe('INVALID_REPLICA_ASSIGNMENT');
  expect(await kafkajsError(5, [[1], [1, 1]])).toBe('INVALID_REPLICA_ASSIGNMENT');
  // kafka-python raises the error's class, quoting the response (so the broker's message)
  const kpError = async (args: object) => {
    const r = await py.raw('kp_create_partitions', args);
    expect(r.code).toBe(2);
    return r.json as { error: string; message: string };
  };
  let e = await kpError({ topic: 'fixed', count: 1 });
  expect(e.error).toBe('InvalidPartitionsError');
  expect(e.message).toContain("error_message='The topic fixed currently has 3 partition(s); 1 would not be an increase.'");
  e = await kpError({ topic: 'nope', count: 4 });
  expect(e.error).toBe('UnknownTopicOrPartitionError');
  expect(e.message).toContain('error_message=None');
  expect(await py.raw('ck_create_partitions', { topic: 'fixed', count: 3 })).toMatchObject({
    code: 2,
    json: { error: 'INVALID_PARTITIONS', message: 'Topic already has 3 partition(s).' },
  });
  expect((await plt.raw('create_partitions', { topic: 'fixed', count: 2 })).json.apiIds).toEqual(['INVALID_PARTITIONS']);
  for (const [assignments, message] of [
    [[[1], [2]], 'The manual partition assignment includes broker 2, but no such broker is registered.'],
    [[[1]], 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.'],
    [[[1], [1, 1]], 'The manual partition assignment includes the broker 1 more than once.'],
    [[[1], []], 'The manual partition assignment includes an empty replica list.'],
  ] as const) {
    e = await kpError({ topic: 'fixed', count: 5, assignments });
    expect(e.error).toBe('InvalidReplicationAssignmentError'); // kafka-python's name for code 39
    expect(e.message).toContain(`error_message='${message}'`);
  }
  // a manual assignment naming only this broker is fine
  expect(await py.ok('kp_create_partitions', { topic: 'fixed', count: 5, assignments: [[1], [1]] })).toEqual({ results: [['fixed', 0, null]] });
  expect(await seenBy('fixed')).toEqual(all(5));
});

test('validateOnly checks everything and changes nothing, in every client', async () => {
  const admin = clients.admin;
  await admin.createTopics({ topics: [{ topic: 'dry', numPartitions: 1 }] });
  await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'dry', count: 4 }] });
  expect(await py.ok('kp_create_partitions', { topic: 'dry', count: 4, validate_only: true })).toEqual({ results: [['dry', 0, null]] });
  expect(await py.ok('ck_create_partitions', { topic: 'dry', count: 4, validate_only: true })).toEqual({ ok: true });
  expect(await plt.ok('create_partitions', { topic: 'dry', count: 4, validateOnly: true })).toEqual({ ok: true });
  await expect(admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'dry', count: 1 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
  expect(await seenBy('dry')).toEqual(all(1));
});

test('raw: a topic named twice gets INVALID_REQUEST once; the internal offsets topic is refused; v0-v3 all answer', async () => {
  const c = await RawClient.open(broker.current.port);
  try {
    // make the broker create __consumer_offsets
    await c.request(10, findCoordinatorRequest, findCoordinatorResponse, 1, { key: 'g', keyType: 0, coordinatorKeys: [] });
    for (let v = 0; v <= 3; v++) {
      await clients.admin.createTopics({ topics: [{ topic: `raw-${v}`, numPartitions: 1 }] });
      const res = await c.request(37, createPartitionsRequest, createPartitionsResponse, v, {
        topics: [
          { name: `raw-${v}`, count: 2, assignments: null },
          { name: 'dup', count: 2, assignments: null },
          { name: 'dup', count: 3, assignments: null },
          { name: '__consumer_offsets', count: 60, assignments: null },
        ],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(res.results).toEqual([
        { name: `raw-${v}`, errorCode: 0, errorMessage: null },
        { name: 'dup', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' },
        { name: '__consumer_offsets', errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: expect.stringContaining('internal topic') },
      ]);
    }
  } finally {
    c.close();
  }
  // more than 10,000 new partitions in one request: the topic past the budget is refused
  await clients.admin.createTopics({ topics: [{ topic: 'big-a', numPartitions: 1 }, { topic: 'big-b', numPartitions: 1 }] });
  const c2 = await RawClient.open(broker.current.port);
  try {
    const res = await c2.request(37, createPartitionsRequest, createPartitionsResponse, 3, {
      topics: [
        { name: 'big-a', count: 4, assignments: null },
        { name: 'big-b', count: 10_000, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: true,
    });
    expect(res.results).toEqual([
      { name: 'big-a', errorCode: 0, errorMessage: null },
      { name: 'big-b', errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Unable to perform excessively large batch operation.' },
    ]);
  } finally {
    c2.close();
  }
  const meta = await clients.admin.fetchTopicMetadata({ topics: ['raw-3', '__consumer_offsets'] });
  expect(Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]))).toEqual({ 'raw-3': 2, __consumer_offsets: 50 });
});

test('a running kafkajs consumer group and producer start using new partitions after a metadata refresh', async () => {
  await clients.admin.createTopics({ topics: [{ topic: 'live', numPartitions: 1 }] });
  const kafka = new Kafka({ clientId: 'compat-live', brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'live-group', metadataMaxAge: 500, maxWaitTimeInMs: 100 });
  const producer = kafka.producer({ metadataMaxAge: 500, allowAutoTopicCreation: false });
  const seen = new Map<number, Set<string>>();
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topics: ['live'], fromBeginning: true });
    let joined = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => joined++);
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (!seen.has(partition)) seen.set(partition, new Set());
        seen.get(partition)!.add(message.key!.toString());
      },
    });
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    await producer.send({ topic: 'live', messages: keys.map((key) => ({ key, value: 'before' })) });
    for (const until = Date.now() + 20000; (seen.get(0)?.size ?? 0) < 30 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect(seen.get(0)?.size).toBe(30);
    const joinsBefore = joined;

    await clients.admin.createPartitions({ topicPartitions: [{ topic: 'live', count: 3 }] });
    await new Promise((r) => setTimeout(r, 1500)); // past both clients' metadata max age
    // the producer's default partitioner now spreads the keys over 3 partitions
    const sent = await producer.send({ topic: 'live', messages: keys.map((key) => ({ key, value: 'after' })) });
    expect(new Set(sent.map((s) => s.partition))).toEqual(new Set([0, 1, 2]));
    // the consumer notices, rejoins, and is assigned (and reads) the new partitions
    for (const until = Date.now() + 30000; !(seen.get(1)?.size && seen.get(2)?.size) && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(joined).toBeGreaterThan(joinsBefore);
    expect([...(seen.get(1) ?? [])].length + [...(seen.get(2) ?? [])].length).toBeGreaterThan(0);
    expect(seen.has(1) && seen.has(2)).toBe(true);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
});
