/**
 * Random, well-formed group requests against a running broker: every group
 * API at every version, with fields drawn at random (the value generator the
 * codec tests use) and then nudged toward plausible values (a few group ids,
 * member ids the broker handed out, short timeouts, an existing topic) so
 * that they reach the coordinator's deeper paths, pipelined on a few
 * connections. Whatever arrives, every request must be answered within a
 * bounded time (nothing holds a group in a rebalance for ever), no request
 * may fail inside the broker, and a real consumer group must still work
 * afterwards. FUZZ_SEED=n runs another seed and prints how often each of the
 * broker's log lines appeared (rebalances, expiries, sync deadlines), to see
 * which paths a seed reached.
 */
import { Kafka, logLevel } from 'kafkajs';
import { MessageCodec } from '../src/protocol/codec';
import { MESSAGES } from '../src/protocol/messages';
import { MessageSpec } from '../src/protocol/schema';
import { Gen, Obj, rng } from '../test/protocol/value-generator';
import { useBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';

const GROUP_APIS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 47] as const;
const REQUESTS = 1000;
const broker = useBroker({ args: ['--group-min-session-timeout-ms', '1000', '--default-partitions', '3'] });

/** Replaces random values by plausible ones, often enough to get past validation. */
function nudge(value: unknown, key: string, pick: <T>(xs: readonly T[]) => T, chance: () => boolean, members: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => nudge(v, key, pick, chance, members));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const o: Obj = {};
    for (const [k, v] of Object.entries(value as Obj)) o[k] = nudge(v, k, pick, chance, members);
    return o;
  }
  if (!chance()) return value;
  switch (key) {
    case 'groupId':
    case 'key':
      return pick(['fz-1', 'fz-2', 'fz-3', '']);
    case 'groupsNames':
    case 'groups':
    case 'coordinatorKeys':
      return typeof value === 'string' ? pick(['fz-1', 'fz-2', 'nope']) : value;
    case 'memberId':
      return pick(['', ...members.slice(-6)]);
    case 'groupInstanceId':
      return pick([null, 'inst-a', 'inst-b']);
    case 'sessionTimeoutMs':
      return pick([1000, 1500, 2000]);
    case 'rebalanceTimeoutMs':
      return pick([300, 800, 1500]);
    case 'generationId':
    case 'generationIdOrMemberEpoch':
    case 'memberEpoch':
      return pick([-1, 0, 1, 2, 3]);
    case 'protocolType':
      return 'consumer';
    case 'name':
      return pick(['fz-topic', 'range', 'roundrobin']);
    case 'protocolName':
      return pick([null, 'range']);
    case 'partitionIndex':
      return pick([0, 1, 2, 7]);
    case 'partitionIndexes':
      return [0, 1];
    case 'keyType':
      return pick([0, 0, 1]);
    case 'retentionTimeMs':
      return pick([-1n, 60000n]);
    case 'committedMetadata':
    case 'metadata':
      return typeof value === 'string' ? pick(['', 'm']) : value;
    default:
      return value;
  }
}

test('random group requests are all answered, none fails inside the broker, and groups still work after', async () => {
  const { port } = broker.current;
  const admin = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'fz-topic', numPartitions: 3 }] });
  await admin.disconnect();

  const random = rng(Number(process.env.FUZZ_SEED ?? 20261122));
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const chance = () => random() < 0.9;
  const members: string[] = [];
  const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.open(port)));
  const pending: Promise<void>[] = [];
  const answered = { count: 0, closed: 0 };
  const problems: string[] = [];
  const startedAt = Date.now();
  for (let i = 0; i < REQUESTS; i++) {
    const apiKey = pick(GROUP_APIS);
    const pair = MESSAGES[apiKey];
    const request = pair.request as MessageCodec<MessageSpec>;
    const version = request.minVersion + Math.floor(random() * (request.maxVersion - request.minVersion + 1));
    const body = nudge(new Gen(Math.floor(random() * 1e9)).struct(request.spec.fields, version), '', pick, chance, members) as never;
    const client = pick(clients);
    pending.push(
      client.pipeline(apiKey, request, pair.response as MessageCodec<MessageSpec>, version, body).then(
        (res) => {
          answered.count++;
          const r = res as Obj;
          if (apiKey === 11 && typeof r.memberId === 'string' && r.memberId) members.push(r.memberId);
        },
        (err: Error) => {
          answered.closed++;
          problems.push(`${apiKey} v${version}: ${err.message}`);
        },
      ),
    );
    // Let earlier answers (and handed-out member ids) come back now and then.
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(pending);
  const tookMs = Date.now() - startedAt;
  for (const c of clients) c.close();

  // Every request answered, none cut off, and in bounded time.
  expect(problems.slice(0, 5)).toEqual([]);
  expect(answered).toEqual({ count: REQUESTS, closed: 0 });
  expect(tookMs).toBeLessThan(30000);
  if (process.env.FUZZ_SEED) {
    const counts: Record<string, number> = {};
    for (const l of broker.current.logs) counts[String(l.msg)] = (counts[String(l.msg)] ?? 0) + 1;
    console.log(JSON.stringify(counts));
  }
  const failures = broker.current.logs.filter((l) => /failed inside the broker|group coordinator step failed|internal error/.test(String(l.msg)));
  expect(failures).toEqual([]);

  // A real consumer group on the same broker still forms and consumes.
  const kafka = new Kafka({ brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'fz-topic', messages: [{ value: 'after-fuzz', partition: 1 }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'after-fuzz', heartbeatInterval: 300, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'fz-topic', fromBeginning: true });
  const got = new Promise<string>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
  });
  expect(await got).toBe('after-fuzz');
  await consumer.disconnect();
}, 60000);
