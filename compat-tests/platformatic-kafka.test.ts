/**
 * @platformatic/kafka (pure JavaScript, Kafka 3.5+ protocol versions: Fetch
 * v17 by topic id, CreateTopics v7, DeleteTopics v6, ...) against the broker
 * as a real process: Admin createTopics/metadata/listTopics/deleteTopics,
 * Producer (idempotent off) with acks -1, 1 and 0, and Consumer reading back.
 *
 * Its Consumer needs a groupId and its consume() joins the group, which the
 * broker cannot serve; but Consumer.fetch() and listOffsets() go straight to
 * the partition leader without a group, so the records are read back with
 * fetch() at offsets the test chooses. kcat reads the same records too.
 *
 * The package is ESM-only and jest here runs CommonJS, where neither require
 * nor import() can load it: the client side is
 * compat-tests/clients/platformatic_kafka_client.mjs, run with node.
 */
import { useBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { recordBatches, scriptClient } from './clients/run';

const SCRIPT = 'platformatic_kafka_client.mjs';
/** Each test's own limit (well under jest's 60 s testTimeout): a hung client fails fast. */
const TEST_TIMEOUT = 30000;

const broker = useBroker({ args: ['--no-auto-create-topics'] }, TEST_TIMEOUT);
const { ok: plt, raw: pltRaw } = scriptClient(process.execPath, SCRIPT, () => broker.current.bootstrap);

interface Sent {
  partition: number;
  key: string | null;
  value: string;
  headers: [string, string][];
  timestamp?: number;
}

interface Fetched {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: [string, string][];
  timestamp: string;
  logAppendTime: boolean;
}

function makeMessages(from: number, count: number, partitions: number, base: number): Sent[] {
  return Array.from({ length: count }, (_, j) => {
    const n = from + j;
    return {
      partition: n % partitions,
      key: n % 4 === 0 ? null : `key-${n}`,
      value: `value-${n}-${'z'.repeat((n * 5) % 70)}-ünïcödé ✓`,
      headers: n % 3 === 0 ? [] : n % 3 === 1 ? [['trace', `t-${n}`]] : [['a', '1'], ['b', ''], ['c', 'three']],
      ...(n % 7 === 6 ? {} : { timestamp: base + n * 1013 }),
    };
  });
}

function kcatHeaders(h: string[] | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; h && i < h.length; i += 2) out.push([h[i], h[i + 1]]);
  return out;
}

test(
  'Admin: createTopics, metadata, listTopics, TOPIC_ALREADY_EXISTS, deleteTopics',
  async () => {
    const { created } = await plt('create_topics', { topics: ['plt-orders', 'plt-audit'], partitions: 4 });
    expect(created.map((c: any) => [c.name, c.partitions, c.replicas])).toEqual([
      ['plt-orders', 4, 1],
      ['plt-audit', 4, 1],
    ]);
    for (const c of created) expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created[0].id).not.toBe(created[1].id);

    const md = await plt('metadata', { topics: ['plt-orders', 'plt-audit'] });
    expect(md.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: broker.current.port }]);
    expect(md.topics['plt-orders']).toEqual({
      id: created[0].id, // the id CreateTopics answered is the one Metadata reports
      partitionsCount: 4,
      partitions: Array.from({ length: 4 }, () => ({ leader: 1, replicas: [1], isr: [1] })),
    });
    expect(md.topics['plt-audit'].id).toBe(created[1].id);
    expect((await plt('list_topics')).topics).toEqual(['plt-audit', 'plt-orders']);

    const again = await pltRaw('create_topics', { topics: ['plt-orders'], partitions: 2 });
    expect(again.code).toBe(2);
    expect(again.json).toMatchObject({ error: 'ResponseError', apiIds: ['TOPIC_ALREADY_EXISTS'] });
    expect((await plt('metadata', { topics: ['plt-orders'] })).topics['plt-orders'].partitionsCount).toBe(4);

    expect(await plt('delete_topics', { topics: ['plt-audit'] })).toEqual({ deleted: ['plt-audit'] });
    expect((await plt('list_topics')).topics).toEqual(['plt-orders']);
    const deletedAgain = await pltRaw('delete_topics', { topics: ['plt-audit'] });
    expect(deletedAgain.code).toBe(2);
    expect(deletedAgain.json).toMatchObject({ error: 'ResponseError', apiIds: ['UNKNOWN_TOPIC_OR_PARTITION'] });
  },
  TEST_TIMEOUT,
);

test(
  'Producer with acks -1, 1 and 0 (keys, headers, partitions, timestamps); Consumer.fetch() reads it all back',
  async () => {
    const topic = 'plt-produce';
    await plt('create_topics', { topics: [topic], partitions: 3 });
    // Timestamps stay within a day of now: @platformatic/dynamic-buffer 0.3.1
    // zigzag-encodes 64-bit varints with `value >> 31n` instead of `>> 63n`,
    // so a record whose timestamp is 2^31 ms (~25 days) or more after its
    // batch's first timestamp goes out with a corrupted (negative)
    // timestampDelta. Here some records get the producer's clock (now) in the
    // same batch as explicit timestamps, so those must be close to now.
    const base = Date.now() - 3600000;
    const sent: (Sent & { acks: number })[] = [];
    const results: Record<number, { topic: string; partition: number; offset: string }[] | null> = {};
    let n = 0;
    for (const acks of [-1, 1, 0]) {
      const messages = makeMessages(n, 15, 3, base);
      n += messages.length;
      results[acks] = (await plt('produce', { topic, acks, messages })).offsets;
      sent.push(...messages.map((m) => ({ ...m, acks })));
    }
    // With acks -1 and 1 the producer learns the first offset of each
    // partition's batch; acks 0 has no response to learn it from.
    expect(results[-1]!.sort((a, b) => a.partition - b.partition)).toEqual([0, 1, 2].map((p) => ({ topic, partition: p, offset: '0' })));
    expect(results[1]!.sort((a, b) => a.partition - b.partition)).toEqual([0, 1, 2].map((p) => ({ topic, partition: p, offset: '5' })));
    expect(results[0]).toBeNull();

    // (acks 0 has no answer to wait for: let the reader wait for the end offsets.)
    const got = await plt<{ ends: string[]; records: Fetched[] }>('fetch', { topic, waitEnds: [15, 15, 15] });
    expect(got.ends).toEqual(['15', '15', '15']);
    expect(got.records).toHaveLength(sent.length);
    const now = Date.now();
    for (let p = 0; p < 3; p++) {
      const want = sent.filter((s) => s.partition === p);
      const have = got.records.filter((r) => r.partition === p);
      expect(have.map((h) => h.offset)).toEqual(want.map((_, i) => String(i)));
      expect(have.map((h) => ({ key: h.key, value: h.value, headers: h.headers, logAppendTime: h.logAppendTime }))).toEqual(
        want.map((w) => ({ key: w.key, value: w.value, headers: w.headers, logAppendTime: false })),
      );
      have.forEach((h, i) => {
        if (want[i].timestamp !== undefined) expect(h.timestamp).toBe(String(want[i].timestamp));
        // Records sent without a timestamp carry the producer's clock.
        else expect(Number(h.timestamp)).toBeGreaterThan(now - 60000);
      });
    }
  },
  TEST_TIMEOUT,
);

test(
  'what @platformatic/kafka produces, kcat reads back identically',
  async () => {
    const topic = 'plt-to-kcat';
    await plt('create_topics', { topics: [topic], partitions: 2 });
    const messages = makeMessages(0, 24, 2, Date.UTC(2024, 7, 1)).map((m) => ({ ...m, timestamp: m.timestamp ?? Date.UTC(2024, 7, 2) }));
    await plt('produce', { topic, acks: -1, messages });

    const res = await kcat(['-C', '-b', broker.current.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
    expect(res.code).toBe(0);
    const got = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(got).toHaveLength(messages.length);
    for (let p = 0; p < 2; p++) {
      const want = messages.filter((m) => m.partition === p);
      const have = got.filter((g: any) => g.partition === p).sort((a: any, b: any) => a.offset - b.offset);
      expect(have.map((h: any) => ({ offset: h.offset, key: h.key, value: h.payload, headers: kcatHeaders(h.headers), ts: h.ts, tstype: h.tstype }))).toEqual(
        want.map((w, i) => ({ offset: i, key: w.key, value: w.value, headers: w.headers, ts: w.timestamp, tstype: 'create' })),
      );
    }
  },
  TEST_TIMEOUT,
);

test(
  'Consumer.listOffsets: earliest, latest and by timestamp (also inside a batch)',
  async () => {
    const topic = 'plt-timed';
    await plt('create_topics', { topics: [topic], partitions: 1 });
    const t0 = Date.UTC(2023, 10, 1);
    // One send puts all its records for a partition into one batch.
    await plt('produce', { topic, acks: 1, messages: Array.from({ length: 9 }, (_, i) => ({ partition: 0, key: null, value: `a${i}`, timestamp: t0 + i * 1000 })) });
    await plt('produce', { topic, acks: 1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: 0, key: null, value: `b${i}`, timestamp: t0 + 20000 + i * 1000 })) });
    expect(await recordBatches(broker.current.port, topic)).toEqual([
      { baseOffset: 0, count: 9 },
      { baseOffset: 9, count: 4 },
    ]);

    const out = await plt('list_offsets', { topic, timestamps: [t0 + 4200, t0 + 6000, t0 - 5, t0 + 8001, t0 + 22500, t0 + 99999] });
    expect(out.earliest).toEqual({ '0': { offset: '0', timestamp: '-1' } });
    expect(out.latest).toEqual({ '0': { offset: '13', timestamp: '-1' } });
    expect(out.forTimes).toEqual([
      { '0': { offset: '5', timestamp: String(t0 + 5000) } }, // between two records of the first batch
      { '0': { offset: '6', timestamp: String(t0 + 6000) } }, // exactly a record's timestamp
      { '0': { offset: '0', timestamp: String(t0) } }, // before everything
      { '0': { offset: '9', timestamp: String(t0 + 20000) } }, // after the first batch: first of the second
      { '0': { offset: '12', timestamp: String(t0 + 23000) } }, // inside the second batch
      { '0': { offset: '-1', timestamp: '-1' } }, // past the last timestamp: none
    ]);
  },
  TEST_TIMEOUT,
);
