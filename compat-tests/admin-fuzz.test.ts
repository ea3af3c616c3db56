/**
 * Random, well-formed admin requests against a running broker: CreatePartitions,
 * DeleteRecords, DescribeCluster, DescribeLogDirs, OffsetForLeaderEpoch and
 * ElectLeaders at every version, fields drawn at random (the codec tests'
 * value generator) and nudged toward existing topics, small counts and
 * offsets near the logs' ends, pipelined with produces on a few connections.
 * Every request must be answered, none may fail inside the broker, the
 * partition counts may only grow, log start offsets never pass the high
 * watermark, and after a restart the broker answers the same.
 */
import { Kafka, logLevel } from 'kafkajs';
import { MessageCodec } from '../src/protocol/codec';
import { MESSAGES } from '../src/protocol/messages';
import { MessageSpec } from '../src/protocol/schema';
import { Gen, Obj, rng } from '../test/protocol/value-generator';
import { useBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';

const ADMIN_APIS = [21, 23, 35, 37, 43, 60] as const;
const REQUESTS = 600;
const TOPICS = ['fa', 'fb', 'fc'];
const broker = useBroker({ args: ['--log-segment-bytes', '2048'] });

function nudge(value: unknown, key: string, pick: <T>(xs: readonly T[]) => T, chance: () => boolean): unknown {
  if (key === 'assignments' && chance()) return null;
  if (key === 'validateOnly') return pick([false, false, true]);
  if (Array.isArray(value)) return value.slice(0, 4).map((v) => nudge(v, key, pick, chance));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const o: Obj = {};
    for (const [k, v] of Object.entries(value as Obj)) o[k] = nudge(v, k, pick, chance);
    return o;
  }
  if (!chance()) return value;
  switch (key) {
    case 'name':
    case 'topic':
      return pick([...TOPICS, '__consumer_offsets', 'nope']);
    case 'count':
      return pick([1, 2, 3, 4, 5, 6, 8, -1, 0]);
    case 'offset':
      return pick([-1n, 0n, 3n, 10n, 25n, 1000n, -7n]);
    case 'partitionIndex':
    case 'partition':
    case 'partitionId':
      return pick([0, 1, 2, 5, -1]);
    case 'partitions':
      return typeof value === 'number' ? pick([0, 1, 2, 9]) : value;
    case 'brokerIds':
      return typeof value === 'number' ? pick([1, 1, 2]) : value;
    case 'leaderEpoch':
    case 'currentLeaderEpoch':
      return pick([-1, 0, 1, -2]);
    case 'electionType':
    case 'endpointType':
      return pick([0, 1, 2, 3]);
    case 'timeoutMs':
      return pick([0, 100, 1000]);
    default:
      return value;
  }
}

test('random admin requests are all answered, none fails inside the broker, and the topics stay consistent', async () => {
  const { port } = broker.current;
  const kafka = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
  await admin.createTopics({ topics: TOPICS.map((topic) => ({ topic, numPartitions: 2 })) });

  const random = rng(Number(process.env.FUZZ_SEED ?? 20261122));
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const chance = () => random() < 0.9;
  const clients = await Promise.all([0, 1, 2].map(() => RawClient.open(port)));
  const pending: Promise<void>[] = [];
  const answered = { count: 0, closed: 0 };
  const problems: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const apiKey = pick(ADMIN_APIS);
    const pair = MESSAGES[apiKey];
    const request = pair.request as MessageCodec<MessageSpec>;
    const version = request.minVersion + Math.floor(random() * (request.maxVersion - request.minVersion + 1));
    const body = nudge(new Gen(Math.floor(random() * 1e9)).struct(request.spec.fields, version), '', pick, chance) as never;
    pending.push(
      pick(clients)
        .pipeline(apiKey, request, pair.response as MessageCodec<MessageSpec>, version, body)
        .then(
          () => void answered.count++,
          (err: Error) => {
            answered.closed++;
            problems.push(`${apiKey} v${version}: ${err.message}`);
          },
        ),
    );
    if (i % 20 === 19) {
      await producer.send({ topic: pick(TOPICS), messages: Array.from({ length: 5 }, (_, j) => ({ partition: j % 2, value: 'x'.repeat(200) })) });
    }
  }
  await Promise.all(pending);
  for (const c of clients) c.close();
  expect(problems.slice(0, 5)).toEqual([]);
  expect(answered).toEqual({ count: REQUESTS, closed: 0 });
  const failures = broker.current.logs.filter((l) => /failed inside the broker|internal error|DeleteRecords failed/.test(String(l.msg)));
  expect(failures).toEqual([]);
  // the nudging reached the paths that change state
  const said = (msg: string) => broker.current.logs.filter((l) => l.msg === msg).length;
  if (process.env.FUZZ_SEED) console.log(JSON.stringify({ added: said('partitions added'), deleted: said('records deleted') }));
  expect(said('partitions added')).toBeGreaterThan(0);
  expect(said('records deleted')).toBeGreaterThan(0);

  const describe = async () => {
    const meta = await admin.fetchTopicMetadata({ topics: TOPICS });
    const out: Record<string, unknown> = {};
    for (const t of meta.topics) {
      const offsets = await admin.fetchTopicOffsets(t.name);
      for (const o of offsets) expect(Number(o.low)).toBeLessThanOrEqual(Number(o.high));
      out[t.name] = offsets.map((o) => [o.partition, o.low, o.high]).sort();
    }
    return out;
  };
  const before = await describe();
  for (const t of TOPICS) expect((before[t] as unknown[]).length).toBeGreaterThanOrEqual(2);
  await producer.disconnect();
  await admin.disconnect();
  await broker.current.restart();
  const admin2 = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin2.connect();
  try {
    const meta = await admin2.fetchTopicMetadata({ topics: TOPICS });
    const after: Record<string, unknown> = {};
    for (const t of meta.topics) after[t.name] = (await admin2.fetchTopicOffsets(t.name)).map((o) => [o.partition, o.low, o.high]).sort();
    expect(after).toEqual(before);
  } finally {
    await admin2.disconnect();
  }
}, 90000);
