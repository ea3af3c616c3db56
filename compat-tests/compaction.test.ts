/**
 * Log compaction through real clients against the real broker process:
 * a compacted topic keeps exactly the last value per key after cleaning
 * (read by kafkajs, kcat, confluent-kafka, kafka-python and
 * @platformatic/kafka, offsets unchanged), tombstones go after
 * delete.retention.ms, keyless records are refused, a broker SIGKILLed at
 * random moments while it cleans loses no live key and duplicates no
 * offset, and __consumer_offsets shrinks while the group's offsets survive
 * restarts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CompressionTypes, Kafka, logLevel, Producer } from 'kafkajs';
import { ErrorCode } from '../src/protocol/error-codes';
import { produceRequest, produceResponse } from '../src/protocol/messages';
import { buildRecordBatch } from '../src/protocol/record-batch';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';
import { produceBody } from './helpers/requests';
import { PYTHON, runOk } from './clients/run';

jest.setTimeout(120_000);

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
}

function client(b: BrokerProcess, id = 'compaction'): Kafka {
  return new Kafka({ clientId: id, brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 }, connectionTimeout: 2000 });
}

function checkpoint(b: BrokerProcess, dir: string): number {
  const p = join(b.dataDir, dir, 'cleaner-offset-checkpoint');
  if (!existsSync(p)) return -1;
  const lines = readFileSync(p, 'utf8').split('\n');
  return Number(lines[2]?.split(' ').pop());
}

function logBytes(b: BrokerProcess, dir: string): number {
  const d = join(b.dataDir, dir);
  return readdirSync(d)
    .filter((f) => f.endsWith('.log'))
    .reduce((n, f) => n + statSync(join(d, f)).size, 0);
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The records of partition 0 through kcat. With `withValues` false only each value's size is read (its
 * value stands as "" or null): binary values such as __consumer_offsets' can hold the line delimiter.
 */
async function kcatRead(b: BrokerProcess, topic: string, withValues = true): Promise<Rec[]> {
  const format = withValues ? '%o\t%k\t%S\t%s\n' : '%o\t%k\t%S\n';
  const out = await kcat(['-C', '-b', b.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', format]);
  expect(out.code).toBe(0);
  return out.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [o, k, len, ...v] = l.split('\t');
      return { offset: Number(o), key: k, value: len === '-1' ? null : v.join('\t') };
    });
}

async function kafkajsRead(b: BrokerProcess, topic: string, lastOffset: number): Promise<Rec[]> {
  const consumer = client(b, 'compaction-reader').consumer({ groupId: `reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  const recs: Rec[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs stopped at ${recs[recs.length - 1]?.offset} before ${lastOffset}`)), 30_000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          recs.push({ offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value === null ? null : message.value.toString() });
          if (Number(message.offset) >= lastOffset) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return recs;
}

function lastPerKey(rs: Rec[]): Map<string, Rec> {
  const m = new Map<string, Rec>();
  for (const r of rs) m.set(r.key!, r);
  return m;
}

function expectStrictlyIncreasing(rs: Rec[]): void {
  for (let i = 1; i < rs.length; i++) expect(rs[i].offset).toBeGreaterThan(rs[i - 1].offset);
}

describe('a compacted topic', () => {
  let b: BrokerProcess;
  beforeAll(async () => {
    b = await startBroker({ args: ['--log-cleaner-backoff-ms', '100', '--retention-check-interval-ms', '100'] });
  });
  afterAll(async () => {
    await b?.cleanup();
  });

  test('keeps exactly the last value per key after cleaning, read alike by kafkajs, kcat, confluent-kafka, kafka-python and @platformatic/kafka', async () => {
    const topic = 'compacted';
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '4096' },
            { name: 'segment.ms', value: '300' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            { name: 'delete.retention.ms', value: '2000' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const KEYS = 50;
    const ROUNDS = 40;
    const producer = client(b).producer();
    await producer.connect();
    const expected = new Map<string, Rec>();
    for (let r = 0; r < ROUNDS; r++) {
      const messages = Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `round-${r}-key-${k}` }));
      const [res] = await producer.send({ topic, acks: -1, messages });
      const base = Number(res.baseOffset);
      messages.forEach((m, i) => expected.set(m.key, { offset: base + i, key: m.key, value: m.value }));
    }
    await producer.disconnect();
    // kcat: new values for keys 0-9 and tombstones for keys 10-14 (empty value with -Z is a null)
    const lines = [...Array.from({ length: 10 }, (_, k) => `key-${k}:kcat-${k}`), ...Array.from({ length: 5 }, (_, k) => `key-${10 + k}:`)];
    const sent = await kcat(['-P', '-b', b.bootstrap, '-t', topic, '-p', '0', '-K:', '-Z'], lines.join('\n') + '\n');
    expect(sent.code).toBe(0);
    const afterKafkajs = ROUNDS * KEYS;
    lines.forEach((l, i) => {
      const [k, v] = l.split(':');
      expected.set(k, { offset: afterKafkajs + i, key: k, value: v === '' ? null : v });
    });
    const end = afterKafkajs + lines.length;
    // the active segment rolls after segment.ms, then everything is cleaned
    await waitFor('the whole log to be cleaned', () => checkpoint(b, `${topic}-0`) >= end);
    expect(b.logs.some((l) => l.msg === 'log cleaned')).toBe(true);
    const want = [...expected.values()].sort((x, y) => x.offset - y.offset);

    const viaKcat = await kcatRead(b, topic);
    expect(viaKcat).toEqual(want);
    const viaKafkajs = await kafkajsRead(b, topic, end - 1);
    expect(viaKafkajs).toEqual(want);
    const viaConfluent = await runOk(PYTHON, 'confluent_kafka_client.py', b.bootstrap, 'consume', { topic });
    expect(viaConfluent.records.map((r: Rec) => ({ offset: r.offset, key: r.key, value: r.value }))).toEqual(want);
    const viaKafkaPython = await runOk(PYTHON, 'kafka_python_client.py', b.bootstrap, 'consume', { topic });
    expect(viaKafkaPython.records.map((r: Rec) => ({ offset: r.offset, key: r.key, value: r.value }))).toEqual(want);
    const viaPlatformatic = await runOk(process.execPath, 'platformatic_compaction.mjs', b.bootstrap, 'consume', { topic, group: 'plt-compaction', lastOffset: end - 1 });
    expect(viaPlatformatic.records).toEqual(want);

    // the log start and end offsets are those of the uncompacted log
    const listed = await client(b).admin();
    await listed.connect();
    const offsets = await listed.fetchTopicOffsets(topic);
    await listed.disconnect();
    expect(offsets[0]).toMatchObject({ low: '0', high: String(end) });

    // tombstones go once delete.retention.ms has passed since their first cleaning and the log is cleaned again
    await new Promise((r) => setTimeout(r, 2100));
    const p2 = client(b).producer();
    await p2.connect();
    await p2.send({ topic, acks: -1, messages: [{ key: 'key-late', value: 'late' }] });
    await p2.disconnect();
    await waitFor('the new record to be cleaned', () => checkpoint(b, `${topic}-0`) >= end + 1);
    const final = await kcatRead(b, topic);
    const alive = want.filter((r) => r.value !== null).concat([{ offset: end, key: 'key-late', value: 'late' }]);
    expect(final).toEqual(alive);
  });

  test('gzip batches from kafkajs are compacted too (filtered and recompressed) and read back by kcat and kafkajs', async () => {
    const topic = 'compacted-gzip';
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '2048' },
            { name: 'segment.ms', value: '300' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const producer = client(b).producer();
    await producer.connect();
    const expected = new Map<string, Rec>();
    for (let r = 0; r < 20; r++) {
      // keys 0-9 each round, key r only once: every batch keeps some records and loses others
      const messages = [...Array.from({ length: 10 }, (_, k) => ({ key: `key-${k}`, value: `gz-${r}-${k}` })), { key: `once-${r}`, value: `once-${r}` }];
      const [res] = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
      messages.forEach((m, i) => expected.set(m.key, { offset: Number(res.baseOffset) + i, key: m.key, value: m.value }));
    }
    await producer.disconnect();
    const end = 20 * 11;
    await waitFor('the gzip log to be cleaned', () => checkpoint(b, `${topic}-0`) >= end);
    const want = [...expected.values()].sort((x, y) => x.offset - y.offset);
    expect(await kcatRead(b, topic)).toEqual(want);
    expect(await kafkajsRead(b, topic, end - 1)).toEqual(want);
  });

  test('records without a key are refused with INVALID_RECORD and Kafka\'s record errors', async () => {
    const topic = 'compacted-keys';
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }] }] });
    await admin.disconnect();
    const producer: Producer = client(b).producer();
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'no key' }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
    await producer.send({ topic, messages: [{ key: 'k', value: 'with key' }] });
    await producer.disconnect();
    const c = await RawClient.open(b.port);
    try {
      const batch = buildRecordBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: null, value: '3' }]);
      const res = await c.request(0, produceRequest, produceResponse, 9, produceBody(topic, batch));
      const p = res.responses[0].partitionResponses[0];
      const msg = `Compacted topic cannot accept message without key in topic partition ${topic}-0`;
      expect(p.errorCode).toBe(ErrorCode.INVALID_RECORD);
      expect(p.recordErrors).toEqual([
        { batchIndex: 1, batchIndexErrorMessage: msg },
        { batchIndex: 2, batchIndexErrorMessage: msg },
      ]);
      expect(p.errorMessage).toBe(
        `One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='${msg}'), RecordError(batchIndex=2, message='${msg}')]`,
      );
    } finally {
      c.close();
    }
    expect((await kcatRead(b, topic)).map((r) => r.value)).toEqual(['with key']);
  });
});

test('SIGKILL at random moments while the cleaner works loses no live key and duplicates no offset', async () => {
  const b = await startBroker({ args: ['--log-cleaner-backoff-ms', '20', '--retention-check-interval-ms', '50'] });
  try {
    const topic = 'killed';
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '65536' },
            { name: 'segment.ms', value: '100' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const KEYS = 1500;
    const produced = new Map<number, Rec>();
    const latest = new Map<string, Rec>();
    const pad = 'x'.repeat(400);
    let cleanedPasses = 0;
    for (let round = 0; round < 10; round++) {
      const producer = client(b).producer();
      await producer.connect();
      for (let chunk = 0; chunk < KEYS; chunk += 500) {
        const messages = Array.from({ length: 500 }, (_, i) => ({ key: `key-${chunk + i}`, value: `r${round}-${chunk + i}-${pad}` }));
        const [res] = await producer.send({ topic, acks: -1, messages });
        messages.forEach((m, i) => {
          const rec = { offset: Number(res.baseOffset) + i, key: m.key, value: m.value };
          produced.set(rec.offset, rec);
          latest.set(m.key, rec);
        });
      }
      await producer.disconnect();
      // let the cleaner get going, then kill at a random moment
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 400)));
      cleanedPasses = b.logs.filter((l) => l.msg === 'log cleaned').length;
      await b.kill();
      await b.restart();
      const rs = await kcatRead(b, topic);
      expectStrictlyIncreasing(rs);
      for (const r of rs) expect(r).toEqual(produced.get(r.offset));
      const seen = lastPerKey(rs);
      for (const [k, r] of latest) expect(seen.get(k)).toEqual(r);
    }
    const recoveries = b.logs.filter((l) => l.msg === 'removing an unfinished cleaned segment' || l.msg === 'completed the swap of a cleaned segment').length;
    // the cleaner did run between the kills (and was interrupted at least sometimes: logged for the report)
    expect(cleanedPasses).toBeGreaterThan(0);
    process.stdout.write(`kill test: ${cleanedPasses} cleaning passes logged, ${recoveries} interrupted-cleaning recoveries at restart\n`);
    // the log did shrink: far fewer records than produced
    await waitFor('cleaning after the last restart', () => checkpoint(b, `${topic}-0`) >= produced.size, 60_000);
    const final = await kcatRead(b, topic);
    expect(final.length).toBe(KEYS);
    expect(lastPerKey(final)).toEqual(latest);
  } finally {
    await b.cleanup();
  }
});

test('__consumer_offsets is compacted: it shrinks after many commits, the group\'s offsets survive restarts, a deleted group\'s tombstones go', async () => {
  const b = await startBroker({
    args: [
      '--log-cleaner-backoff-ms', '100',
      '--retention-check-interval-ms', '100',
      '--log-segment-ms', '300',
      '--offsets-topic-num-partitions', '1',
      '--offsets-topic-segment-bytes', '2048',
      '--log-cleaner-delete-retention-ms', '1000',
      '--log-cleaner-min-cleanable-ratio', '0.01',
    ],
  });
  try {
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'tracked', numPartitions: 3 }] });
    // Records up to past the highest offset committed below: a consumer fetching at a committed offset beyond
    // the log end gets OFFSET_OUT_OF_RANGE and kafkajs then commits its reset offset (-2) over ours.
    const filler = client(b).producer();
    await filler.connect();
    for (let p = 0; p < 3; p++) {
      await filler.send({ topic: 'tracked', acks: -1, messages: Array.from({ length: 340 }, (_, i) => ({ partition: p, value: `r${i}` })) });
    }
    await filler.disconnect();
    // group names of 12 characters: their int16 length prefix is no tab or newline in kcat's output
    const commitMany = async (groupId: string, from: number, count: number) => {
      const consumer = client(b).consumer({ groupId, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'tracked', fromBeginning: true });
      const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
      await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
      await joined;
      for (let i = from; i < from + count; i++) await consumer.commitOffsets([{ topic: 'tracked', partition: i % 3, offset: String(i) }]);
      await consumer.disconnect();
    };
    const dir = '__consumer_offsets-0';
    const end = async () => Number((await kcat(['-Q', '-b', b.bootstrap, '-t', '__consumer_offsets:0:-1'])).stdout.trim().split(' ').pop());
    await commitMany('gone-group-x', 0, 3);
    await admin.deleteGroups(['gone-group-x']);
    const COMMITS = 300;
    await commitMany('busy-group-x', 0, COMMITS);
    let written = await end();
    expect(written).toBeGreaterThan(COMMITS);
    await waitFor('__consumer_offsets to be cleaned', () => checkpoint(b, dir) >= written);
    // one record per key is left: each group's metadata and one commit per (group, topic, partition); of the
    // deleted group only tombstones (or nothing, if a pass past their delete horizon already ran)
    let records = await kcatRead(b, '__consumer_offsets', false);
    // keys are unique in the cleaned part (the coordinator may append a record, e.g. at a LeaveGroup, after `written`)
    const cleanedPart = records.filter((r) => r.offset < written);
    expect(new Set(cleanedPart.map((r) => r.key)).size).toBe(cleanedPart.length);
    expect(records.filter((r) => r.key!.includes('gone-group-x') && r.value !== null)).toEqual([]);
    expect(cleanedPart.filter((r) => r.key!.includes('busy-group-x')).length).toBeLessThanOrEqual(4);
    expect(logBytes(b, dir)).toBeLessThan(2048);
    // past delete.retention.ms, the next cleaning removes the tombstones
    await new Promise((r) => setTimeout(r, 1100));
    await commitMany('busy-group-x', COMMITS, 30);
    written = await end();
    await waitFor('__consumer_offsets to be cleaned again', () => checkpoint(b, dir) >= written);
    records = await kcatRead(b, '__consumer_offsets', false);
    expect(records.filter((r) => r.key!.includes('gone-group-x'))).toEqual([]);
    const cleanedAgain = records.filter((r) => r.offset < written);
    expect(new Set(cleanedAgain.map((r) => r.key)).size).toBe(cleanedAgain.length);
    await admin.disconnect();
    const expectOffsets = async () => {
      const a = client(b).admin();
      await a.connect();
      const [t] = await a.fetchOffsets({ groupId: 'busy-group-x', topics: ['tracked'] });
      const [g] = await a.fetchOffsets({ groupId: 'gone-group-x', topics: ['tracked'] });
      const groups = await a.listGroups();
      await a.disconnect();
      expect(t.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
        [0, String(COMMITS + 27)],
        [1, String(COMMITS + 28)],
        [2, String(COMMITS + 29)],
      ]);
      expect(g.partitions.map((p) => p.offset)).toEqual(['-1', '-1', '-1']);
      expect(groups.groups.map((x) => x.groupId)).toEqual(['busy-group-x']);
    };
    await expectOffsets();
    await b.restart(); // graceful
    await expectOffsets();
    await b.kill();
    await b.restart(); // after a crash: the log is recovered fully and loaded again
    await expectOffsets();
  } finally {
    await b.cleanup();
  }
});

test('--no-log-cleaner-enable (or KAFKATS_LOG_CLEANER_ENABLE=false) leaves compacted topics alone; bad cleaner settings stop the broker', async () => {
  const b = await startBroker({ args: ['--retention-check-interval-ms', '100', '--log-cleaner-backoff-ms', '50'], env: { KAFKATS_LOG_CLEANER_ENABLE: 'false' } });
  try {
    const topic = 'never-cleaned';
    const admin = client(b).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.ms', value: '100' }, { name: 'min.cleanable.dirty.ratio', value: '0.01' }] }],
    });
    await admin.disconnect();
    const producer = client(b).producer();
    await producer.connect();
    for (let r = 0; r < 3; r++) await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: `v${r}` }] });
    await producer.disconnect();
    await new Promise((r) => setTimeout(r, 1000));
    expect(checkpoint(b, `${topic}-0`)).toBe(-1);
    expect((await kcatRead(b, topic)).map((r) => r.value)).toEqual(['v0', 'v1', 'v2']);
  } finally {
    await b.cleanup();
  }
  const cli = resolve(__dirname, '../dist/kafkats.js');
  for (const [args, why] of [
    [['--log-cleaner-backoff-ms', '0'], /log cleaner backoff must be at least 1 ms/],
    [['--log-cleaner-dedupe-buffer-size', '1000'], /dedupe buffer must be at least 1 MiB/],
    [['--log-cleaner-min-cleanable-ratio', '2'], /min cleanable ratio must be between 0 and 1/],
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
