/**
 * kafka-python (Debian python3-kafka, pure Python) against the broker as a
 * real process: KafkaAdminClient, KafkaProducer with acks 0/1/all, and
 * KafkaConsumer with assign() (no group: the broker has no group
 * coordinator), plus end/beginning offsets and offsets_for_times. Records
 * cross between kafka-python and kcat (librdkafka) both ways.
 *
 * The Python side is compat-tests/clients/kafka_python_client.py, which prints
 * JSON; it runs with /usr/bin/python3.
 */
import { useBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { PYTHON, recordBatches, scriptClient } from './clients/run';

const SCRIPT = 'kafka_python_client.py';
/** Each test's own limit (well under jest's 60 s testTimeout): a hung client fails fast. */
const TEST_TIMEOUT = 30000;

const broker = useBroker({ args: ['--no-auto-create-topics'] }, TEST_TIMEOUT);
const { ok: py, raw: pyRaw } = scriptClient(PYTHON, SCRIPT, () => broker.current.bootstrap);

interface PyRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: [string, string][];
  timestamp: number;
  timestamp_type: number;
}

interface KcatMessage {
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

function parseKcat(stdout: string): KcatMessage[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as KcatMessage);
}

function kcatHeaders(h: string[] | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; h && i < h.length; i += 2) out.push([h[i], h[i + 1]]);
  return out;
}

const createTopics = (topics: { name: string; partitions: number }[]) => py('create_topics', { topics });

test('KafkaAdminClient: create_topics, describe/list_topics, TopicAlreadyExistsError, delete_topics', async () => {
  const created = await createTopics([
    { name: 'py-orders', partitions: 5 },
    { name: 'py-audit', partitions: 1 },
  ]);
  expect(created.topic_errors).toEqual([
    ['py-orders', 0],
    ['py-audit', 0],
  ]);

  const described = await py('describe_topics', { topics: ['py-orders'] });
  expect(described.topics).toEqual([
    {
      topic: 'py-orders',
      error_code: 0,
      partitions: [0, 1, 2, 3, 4].map((p) => ({ partition: p, leader: 1, replicas: [1], isr: [1], error_code: 0 })),
    },
  ]);
  expect((await py('list_topics')).topics).toEqual(expect.arrayContaining(['py-orders', 'py-audit']));

  // Creating it again raises TopicAlreadyExistsError and leaves it as it was.
  const again = await pyRaw('create_topics', { topics: [{ name: 'py-orders', partitions: 2 }] });
  expect(again.code).toBe(2);
  expect(again.json.error).toBe('TopicAlreadyExistsError');
  expect((await py('describe_topics', { topics: ['py-orders'] })).topics[0].partitions).toHaveLength(5);

  const deleted = await py('delete_topics', { topics: ['py-audit'] });
  expect(deleted.topic_error_codes).toEqual([['py-audit', 0]]);
  const listed = (await py('list_topics')).topics;
  expect(listed).toContain('py-orders');
  expect(listed).not.toContain('py-audit');

  const deletedAgain = await pyRaw('delete_topics', { topics: ['py-audit'] });
  expect(deletedAgain.code).toBe(2);
  expect(deletedAgain.json.error).toBe('UnknownTopicOrPartitionError');
}, TEST_TIMEOUT);

interface Sent {
  partition: number;
  key: string | null;
  value: string;
  headers: [string, string][];
  timestamp?: number;
}

/** Messages for partitions 0..2 with keys (some null), headers (some repeated or empty) and timestamps (some left to the client). */
function makeMessages(from: number, count: number, base: number): Sent[] {
  return Array.from({ length: count }, (_, j) => {
    const n = from + j;
    return {
      partition: n % 3,
      key: n % 4 === 0 ? null : `key-${n}`,
      value: `value-${n}-${'x'.repeat(n % 40)}-ünïcödé ✓`,
      headers: n % 3 === 0 ? [] : n % 3 === 1 ? [['trace', `t-${n}`]] : [['dup', 'a'], ['dup', 'b'], ['empty', '']],
      ...(n % 5 === 4 ? {} : { timestamp: base + n * 1000 }),
    };
  });
}

test("KafkaProducer with acks 0, 1 and 'all' (keys, headers, partitions, timestamps); KafkaConsumer assign() + seek_to_beginning() reads it all back", async () => {
  const topic = 'py-produce';
  await createTopics([{ name: topic, partitions: 3 }]);
  const base = Date.UTC(2024, 2, 1);
  const sent: (Sent & { acks: string | number })[] = [];
  const reported: { partition: number; offset: number; timestamp: number }[] = [];
  let n = 0;
  for (const acks of ['all', 1, 0]) {
    const messages = makeMessages(n, 12, base);
    n += messages.length;
    const out = await py('produce', { topic, acks, messages });
    expect(out.results).toHaveLength(messages.length);
    sent.push(...messages.map((m) => ({ ...m, acks })));
    reported.push(...out.results);
  }

  // Every record lands in the partition asked for; with acks 1/all the
  // client is told its offset (kafka-python reports -1 under acks 0).
  expect(reported.map((r) => r.partition)).toEqual(sent.map((s) => s.partition));
  const next = [0, 0, 0];
  sent.forEach((s, i) => {
    const offset = next[s.partition]++;
    expect(reported[i].offset).toBe(s.acks === 0 ? -1 : offset);
    if (s.timestamp !== undefined) expect(reported[i].timestamp).toBe(s.timestamp);
  });

  // (acks 0 has no answer to wait for: let the reader wait for the end offsets.)
  const got = await py<{ end_offsets: Record<string, number>; records: PyRecord[] }>('consume', { topic, wait_end: { '0': 12, '1': 12, '2': 12 } });
  expect(got.end_offsets).toEqual({ '0': 12, '1': 12, '2': 12 });
  expect(got.records).toHaveLength(sent.length);
  for (let p = 0; p < 3; p++) {
    const want = sent.map((s, i) => ({ s, i })).filter(({ s }) => s.partition === p);
    const have = got.records.filter((r) => r.partition === p);
    // In offset order, 0..n-1, exactly as sent.
    expect(have.map((h) => h.offset)).toEqual(want.map((_, k) => k));
    expect(have.map((h) => ({ key: h.key, value: h.value, headers: h.headers, timestamp: h.timestamp, timestamp_type: h.timestamp_type }))).toEqual(
      want.map(({ s, i }) => ({
        key: s.key,
        value: s.value,
        headers: s.headers,
        // Records sent without a timestamp carry the one the producer chose.
        timestamp: s.timestamp ?? reported[i].timestamp,
        timestamp_type: 0, // CreateTime
      })),
    );
  }
}, TEST_TIMEOUT);

test('beginning_offsets, end_offsets and offsets_for_times (also inside a batch)', async () => {
  const topic = 'py-timed';
  await createTopics([{ name: topic, partitions: 1 }]);
  const t0 = Date.UTC(2023, 6, 1);
  // A long linger puts each send's records into a single batch.
  const first = Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `a${i}`, timestamp: t0 + i * 1000 }));
  const second = Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `b${i}`, timestamp: t0 + 60000 + i * 1000 }));
  await py('produce', { topic, acks: 1, linger_ms: 300, messages: first });
  await py('produce', { topic, acks: 1, linger_ms: 300, messages: second });
  // The targets below fall inside these batches.
  expect(await recordBatches(broker.current.port, topic)).toEqual([
    { baseOffset: 0, count: 10 },
    { baseOffset: 10, count: 5 },
  ]);

  const targets = [t0 + 3500, t0 + 4000, t0 - 1, t0 + 9500, t0 + 60000, t0 + 62001, t0 + 3600000];
  const out = await py('offsets', { topic, times: targets });
  expect(out.beginning).toEqual({ '0': 0 });
  expect(out.end).toEqual({ '0': 15 });
  expect(out.for_times).toEqual([
    { '0': { offset: 4, timestamp: t0 + 4000 } }, // between two records of the first batch
    { '0': { offset: 4, timestamp: t0 + 4000 } }, // exactly a record's timestamp
    { '0': { offset: 0, timestamp: t0 } }, // before everything
    { '0': { offset: 10, timestamp: t0 + 60000 } }, // after the first batch: first record of the second
    { '0': { offset: 10, timestamp: t0 + 60000 } },
    { '0': { offset: 13, timestamp: t0 + 63000 } }, // inside the second batch
    { '0': null }, // past the last timestamp: no such record
  ]);

  // Reading from an offset found that way starts at that record.
  const from = await py<{ records: PyRecord[] }>('consume', { topic, seek: { '0': 13 } });
  expect(from.records.map((r) => [r.offset, r.value])).toEqual([
    [13, 'b3'],
    [14, 'b4'],
  ]);
}, TEST_TIMEOUT);

test('what kafka-python produces, kcat reads back identically', async () => {
  const topic = 'py-to-kcat';
  await createTopics([{ name: topic, partitions: 3 }]);
  const base = Date.UTC(2024, 5, 1);
  const messages = makeMessages(0, 30, base);
  const out = await py('produce', { topic, acks: 'all', messages });

  const res = await kcat(['-C', '-b', broker.current.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
  expect(res.code).toBe(0);
  const got = parseKcat(res.stdout);
  expect(got).toHaveLength(messages.length);
  for (let p = 0; p < 3; p++) {
    const want = messages.map((m, i) => ({ m, i })).filter(({ m }) => m.partition === p);
    const have = got.filter((g) => g.partition === p).sort((a, b) => a.offset - b.offset);
    expect(have.map((h) => h.offset)).toEqual(want.map(({ i }) => out.results[i].offset));
    expect(have.map((h) => ({ key: h.key, value: h.payload, headers: kcatHeaders(h.headers), ts: h.ts, tstype: h.tstype }))).toEqual(
      want.map(({ m, i }) => ({ key: m.key, value: m.value, headers: m.headers, ts: m.timestamp ?? out.results[i].timestamp, tstype: 'create' })),
    );
  }
}, TEST_TIMEOUT);

test('what kcat produces, kafka-python reads back identically', async () => {
  const topic = 'kcat-to-py';
  await createTopics([{ name: topic, partitions: 2 }]);
  // Lines without the key delimiter have a null key; ":x" has an empty key.
  const lines = Array.from({ length: 20 }, (_, i) => (i % 6 === 0 ? `no-key-${i}` : i % 6 === 1 ? `:empty-key-${i}` : `k${i % 3}:v${i} ✓`));
  const produced = await kcat(['-P', '-b', broker.current.bootstrap, '-t', topic, '-p', '1', '-K:', '-H', 'origin=kcat', '-H', 'origin=again', '-H', 'blank='], lines.join('\n') + '\n');
  expect(produced.code).toBe(0);

  const before = Date.now();
  const got = await py<{ end_offsets: Record<string, number>; records: PyRecord[] }>('consume', { topic });
  expect(got.end_offsets).toEqual({ '0': 0, '1': 20 });
  expect(got.records.map((r) => ({ partition: r.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers }))).toEqual(
    lines.map((l, i) => {
      const at = l.indexOf(':');
      return {
        partition: 1,
        offset: i,
        key: at < 0 ? null : l.slice(0, at),
        value: at < 0 ? l : l.slice(at + 1),
        headers: [
          ['origin', 'kcat'],
          ['origin', 'again'],
          ['blank', ''],
        ],
      };
    }),
  );
  // kcat stamps records with the time it produced them (CreateTime).
  for (const r of got.records) {
    expect(r.timestamp_type).toBe(0);
    expect(r.timestamp).toBeLessThanOrEqual(before);
    expect(r.timestamp).toBeGreaterThan(before - 60000);
  }
}, TEST_TIMEOUT);
