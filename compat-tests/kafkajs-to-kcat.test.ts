/**
 * kafkajs produces (keys, headers, timestamps, several partitions, acks
 * 0/1/-1); kcat (librdkafka) consumes and must see exactly the same records
 * in the same order in every partition.
 */
import { Kafka, logLevel } from 'kafkajs';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';

let broker: BrokerProcess;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBroker();
  kafka = new Kafka({ clientId: 'compat', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await broker.cleanup();
});

interface Sent {
  partition: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

interface KcatMessage {
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

async function waitForEndOffsets(topic: string, expected: Record<number, number>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const offsets = await admin.fetchTopicOffsets(topic);
      if (offsets.every((o) => Number(o.high) === (expected[o.partition] ?? 0))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`end offsets of ${topic} never reached ${JSON.stringify(expected)}`);
  } finally {
    await admin.disconnect();
  }
}

test('records produced by kafkajs with acks 0, 1 and -1 are read back by kcat exactly', async () => {
  const topic = 'kafkajs-to-kcat';
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sent: Sent[] = [];
  const base = Date.UTC(2024, 0, 1);
  let n = 0;
  for (const acks of [-1, 1, 0]) {
    for (let round = 0; round < 3; round++) {
      const messages = [];
      for (let i = 0; i < 7; i++, n++) {
        const m: Sent = {
          partition: n % 3,
          key: n % 5 === 0 ? null : `key-${n}`,
          value: `value-${n}-${'x'.repeat(n % 50)}-ünïcödé`,
          headers: n % 2 === 0 ? { trace: `t-${n}`, source: 'kafkajs' } : {},
          timestamp: base + n * 1000,
        };
        sent.push(m);
        messages.push({ partition: m.partition, key: m.key, value: m.value, headers: m.headers, timestamp: String(m.timestamp) });
      }
      await producer.send({ topic, acks, messages });
    }
  }
  await producer.disconnect();

  const expectedEnd: Record<number, number> = {};
  for (const s of sent) expectedEnd[s.partition] = (expectedEnd[s.partition] ?? 0) + 1;
  await waitForEndOffsets(topic, expectedEnd);

  const out = await kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
  expect(out.code).toBe(0);
  const got = out.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as KcatMessage);
  expect(got).toHaveLength(sent.length);

  for (let p = 0; p < 3; p++) {
    const want = sent.filter((s) => s.partition === p);
    const have = got.filter((g) => g.partition === p).sort((a, b) => a.offset - b.offset);
    expect(have.map((h) => h.offset)).toEqual(want.map((_, i) => i));
    expect(
      have.map((h) => ({
        key: h.key,
        value: h.payload,
        timestamp: h.ts,
        headers: Object.fromEntries((h.headers ?? []).reduce<[string, string][]>((acc, x, i, arr) => (i % 2 === 0 ? [...acc, [x, arr[i + 1]]] : acc), [])),
      })),
    ).toEqual(want.map((w) => ({ key: w.key, value: w.value, timestamp: w.timestamp, headers: w.headers })));
  }
});

test('kcat reads from a given offset and stops at the end of the partition', async () => {
  const topic = 'kcat-offsets';
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) });
  await producer.disconnect();
  const out = await kcat(['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-o', '15', '-e', '-f', '%o:%s\n', '-q']);
  expect(out.code).toBe(0);
  expect(out.stdout.trim().split('\n')).toEqual(['15:m15', '16:m16', '17:m17', '18:m18', '19:m19']);
});
