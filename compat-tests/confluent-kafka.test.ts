/**
 * confluent-kafka for Python (Debian python3-confluent-kafka, on librdkafka)
 * against the broker as a real process: AdminClient, Producer with acks
 * all/1/0, Consumer with assign() (a group.id is configured because
 * librdkafka requires one, but the consumer never joins the group nor
 * commits), get_watermark_offsets and offsets_for_times.
 *
 * The Python side is compat-tests/clients/confluent_kafka_client.py, which
 * prints JSON; it runs with /usr/bin/python3.
 */
import { useBroker } from './helpers/broker-process';
import { PYTHON, recordBatches, scriptClient } from './clients/run';

const SCRIPT = 'confluent_kafka_client.py';
/** Each test's own limit (well under jest's 60 s testTimeout): a hung client fails fast. */
const TEST_TIMEOUT = 30000;

const broker = useBroker({ args: ['--no-auto-create-topics'] }, TEST_TIMEOUT);
const { ok: ck, raw: ckRaw } = scriptClient(PYTHON, SCRIPT, () => broker.current.bootstrap);

interface CkRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: [string, string][];
  timestamp: number;
  timestamp_type: string;
}

interface Report {
  error: string | null;
  partition: number;
  offset: number | null;
  timestamp: number;
  timestamp_type: string;
}

const createTopics = (topics: { name: string; partitions: number }[]) => ck('create_topics', { topics });

test('AdminClient: create_topics, list_topics, TOPIC_ALREADY_EXISTS, delete_topics', async () => {
  const created = await createTopics([
    { name: 'ck-orders', partitions: 6 },
    { name: 'ck-audit', partitions: 2 },
  ]);
  expect(created.results).toEqual({ 'ck-orders': null, 'ck-audit': null });

  const md = await ck('list_topics');
  expect(md.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: broker.current.port }]);
  expect(Object.keys(md.topics).sort()).toEqual(['ck-audit', 'ck-orders']);
  expect(md.topics['ck-orders']).toEqual({
    error: null,
    partitions: [0, 1, 2, 3, 4, 5].map((id) => ({ id, leader: 1, replicas: [1], isrs: [1], error: null })),
  });
  expect(md.topics['ck-audit'].partitions).toHaveLength(2);

  // The future of an existing topic fails with TOPIC_ALREADY_EXISTS; the
  // other topic of the same request is still created.
  const again = await createTopics([
    { name: 'ck-orders', partitions: 3 },
    { name: 'ck-more', partitions: 1 },
  ]);
  expect(again.results).toEqual({ 'ck-orders': 'TOPIC_ALREADY_EXISTS', 'ck-more': null });
  expect((await ck('list_topics', { topic: 'ck-orders' })).topics['ck-orders'].partitions).toHaveLength(6);

  expect((await ck('delete_topics', { topics: ['ck-audit', 'ck-more'] })).results).toEqual({ 'ck-audit': null, 'ck-more': null });
  expect(Object.keys((await ck('list_topics')).topics)).toEqual(['ck-orders']);
  expect((await ck('delete_topics', { topics: ['ck-audit'] })).results).toEqual({ 'ck-audit': 'UNKNOWN_TOPIC_OR_PART' });
}, TEST_TIMEOUT);

interface Sent {
  partition: number;
  key: string | null;
  value: string;
  headers: [string, string][];
  timestamp?: number;
}

function makeMessages(from: number, count: number, base: number): Sent[] {
  return Array.from({ length: count }, (_, j) => {
    const n = from + j;
    return {
      partition: n % 4,
      key: n % 5 === 0 ? null : `key-${n}`,
      value: `value-${n}-${'y'.repeat((n * 7) % 60)}-ünïcödé ✓`,
      headers: n % 3 === 0 ? [] : n % 3 === 1 ? [['trace', `t-${n}`]] : [['dup', '1'], ['dup', '2'], ['empty', '']],
      ...(n % 6 === 5 ? {} : { timestamp: base + n * 997 }),
    };
  });
}

test('Producer with acks all, 1 and 0 (keys, headers, partitions, timestamps); Consumer assign() reads it all back', async () => {
  const topic = 'ck-produce';
  await createTopics([{ name: topic, partitions: 4 }]);
  const base = Date.UTC(2024, 3, 1);
  const sent: (Sent & { acks: string | number })[] = [];
  const reports: Report[] = [];
  let n = 0;
  for (const acks of ['all', 1, 0]) {
    const messages = makeMessages(n, 16, base);
    n += messages.length;
    const out = await ck<{ results: Report[] }>('produce', { topic, acks, messages });
    sent.push(...messages.map((m) => ({ ...m, acks })));
    reports.push(...out.results);
  }

  // Every delivery succeeded into the partition asked for; with acks all/1
  // the report carries the offset (librdkafka has none under acks 0).
  const next = [0, 0, 0, 0];
  sent.forEach((s, i) => {
    const offset = next[s.partition]++;
    expect(reports[i]).toMatchObject({ error: null, partition: s.partition, offset: s.acks === 0 ? null : offset, timestamp_type: 'create' });
    if (s.timestamp !== undefined) expect(reports[i].timestamp).toBe(s.timestamp);
  });

  // (acks 0 has no answer to wait for: let the reader wait for the high watermarks.)
  const got = await ck<{ high: Record<string, number>; records: CkRecord[] }>('consume', { topic, wait_high: { '0': 12, '1': 12, '2': 12, '3': 12 } });
  expect(got.high).toEqual({ '0': 12, '1': 12, '2': 12, '3': 12 });
  expect(got.records).toHaveLength(sent.length);
  for (let p = 0; p < 4; p++) {
    const want = sent.map((s, i) => ({ s, i })).filter(({ s }) => s.partition === p);
    const have = got.records.filter((r) => r.partition === p);
    expect(have.map((h) => h.offset)).toEqual(want.map((_, k) => k));
    expect(have.map((h) => ({ key: h.key, value: h.value, headers: h.headers, timestamp: h.timestamp, timestamp_type: h.timestamp_type }))).toEqual(
      want.map(({ s, i }) => ({ key: s.key, value: s.value, headers: s.headers, timestamp: s.timestamp ?? reports[i].timestamp, timestamp_type: 'create' })),
    );
  }

  // assign() at an explicit offset starts there.
  const tail = await ck<{ records: CkRecord[] }>('consume', { topic, start: { '0': 10, '1': 12, '2': 0, '3': 11 } });
  const count = (p: number) => tail.records.filter((r) => r.partition === p).map((r) => r.offset);
  expect([count(0), count(1), count(2).length, count(3)]).toEqual([[10, 11], [], 12, [11]]);
}, TEST_TIMEOUT);

test('get_watermark_offsets and offsets_for_times (also inside a batch)', async () => {
  const topic = 'ck-timed';
  await createTopics([{ name: topic, partitions: 1 }]);
  const t0 = Date.UTC(2023, 8, 1);
  const first = Array.from({ length: 8 }, (_, i) => ({ partition: 0, value: `a${i}`, timestamp: t0 + i * 1000 }));
  const second = Array.from({ length: 6 }, (_, i) => ({ partition: 0, value: `b${i}`, timestamp: t0 + 30000 + i * 1000 }));
  // A long linger puts each produce call's records into a single batch.
  await ck('produce', { topic, acks: 'all', linger_ms: 300, messages: first });
  await ck('produce', { topic, acks: 'all', linger_ms: 300, messages: second });
  // Usually one batch per call; under load librdkafka may send a call's first record on its own. The
  // lookups below still land in batches of several records (record-level lookups inside a batch).
  const batches = await recordBatches(broker.current.port, topic);
  expect(batches.reduce((n, b) => n + b.count, 0)).toBe(14);
  const holding = (offset: number) => batches.find((b) => b.baseOffset <= offset && offset < b.baseOffset + b.count)!;
  expect(holding(3).count).toBeGreaterThan(2);
  expect(holding(12).count).toBeGreaterThan(2);

  const targets = [t0 + 2500, t0 + 5000, t0 - 1000, t0 + 7001, t0 + 33500, t0 + 3600000];
  const out = await ck('offsets', { topic, times: targets });
  expect(out.watermarks).toEqual({ '0': [0, 14] });
  expect(out.for_times).toEqual([
    { '0': 3 }, // between two records of the first batch
    { '0': 5 }, // exactly a record's timestamp
    { '0': 0 }, // before everything
    { '0': 8 }, // after the first batch: first record of the second
    { '0': 12 }, // inside the second batch
    { '0': -1 }, // past the last timestamp: OFFSET_END (-1)
  ]);

  // Reading from the offset found that way starts at that record.
  const from = await ck<{ records: CkRecord[] }>('consume', { topic, start: { '0': 12 } });
  expect(from.records.map((r) => [r.offset, r.value, r.timestamp])).toEqual([
    [12, 'b4', t0 + 34000],
    [13, 'b5', t0 + 35000],
  ]);
}, TEST_TIMEOUT);

test('producing to a topic that does not exist fails delivery with UNKNOWN_TOPIC_OR_PART', async () => {
  // The broker runs with auto-creation off.
  // librdkafka waits topic.metadata.propagation.max.ms (30 s by default) for a topic to appear before failing.
  const out = await ckRaw('produce', {
    topic: 'ck-missing',
    acks: 1,
    conf: { 'topic.metadata.propagation.max.ms': 1000 },
    messages: [{ value: 'x', partition: 0 }],
  });
  expect(out.code).toBe(0);
  expect(out.json.results).toEqual([expect.objectContaining({ error: 'UNKNOWN_TOPIC_OR_PART' })]);
  expect(Object.keys((await ck('list_topics')).topics)).not.toContain('ck-missing');
}, TEST_TIMEOUT);
