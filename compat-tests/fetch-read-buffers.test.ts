/**
 * Fetch answers are read into pooled buffers that go back to the pool once
 * the socket has written them (src/storage/read-buffer-pool.ts). Here several
 * connections pipeline fetches of many sizes at once, one of them not reading
 * for a while (its answers wait in the socket while the others reuse
 * buffers): every answer must hold exactly the stored batches, CRCs intact,
 * from the fetch offset on; a first batch larger than max_bytes comes whole
 * (KIP-74), and a fetch larger than the largest pooled buffer works.
 */
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../src/protocol/error-codes';
import { fetchRequest, fetchResponse, produceRequest, produceResponse } from '../src/protocol/messages';
import { buildRecordBatch, computeBatchCrc, decodeRecords, readBatchHeader, BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../src/protocol/record-batch';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';
import { produceBody } from './helpers/requests';

const TOPIC = 'pooled';
const BATCHES = 120;
const PER_BATCH = 10;
const BIG_AT = 60; // this batch is ~900 KB: larger than a 64 KiB max_bytes
let b: BrokerProcess;
let records = 0;

function valueOf(offset: number, big: boolean): string {
  return `${offset}:`.padEnd(big ? 90_000 : 10_000, String.fromCharCode(97 + (offset % 26)));
}

function fetchOf(offset: number, maxBytes: number) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Checks an answer's record set: whole batches, CRCs right, consecutive offsets from the batch holding `from`, every value the one produced. */
function checkAnswer(recs: Buffer, from: number, maxBytes: number): void {
  expect(recs.length).toBeGreaterThan(0);
  let pos = 0;
  let expectOffset = -1;
  while (pos < recs.length) {
    const h = readBatchHeader(recs, pos);
    const size = LOG_OVERHEAD + h.batchLength;
    expect(pos + size).toBeLessThanOrEqual(recs.length);
    const batch = recs.subarray(pos, pos + size);
    expect(computeBatchCrc(batch)).toBe(h.crc);
    if (expectOffset < 0) {
      expect(h.baseOffset).toBeLessThanOrEqual(from);
      expect(h.baseOffset + h.lastOffsetDelta).toBeGreaterThanOrEqual(from);
    } else {
      expect(h.baseOffset).toBe(expectOffset);
    }
    const rs = decodeRecords(batch.subarray(BATCH_HEADER_SIZE), h.recordCount);
    const big = h.baseOffset === BIG_AT * PER_BATCH;
    for (const r of rs) expect(r.value!.toString()).toBe(valueOf(h.baseOffset + r.offsetDelta, big));
    expectOffset = h.baseOffset + h.lastOffsetDelta + 1;
    pos += size;
  }
  // Only a first batch may exceed max_bytes (KIP-74).
  if (recs.length > maxBytes) expect(readBatchHeader(recs, 0).batchLength + LOG_OVERHEAD).toBe(recs.length);
}

beforeAll(async () => {
  b = await startBroker();
  const kafka = new Kafka({ clientId: 'pooled', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  await admin.disconnect();
  const c = await RawClient.open(b.port);
  const acks: Promise<number>[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const base = i * PER_BATCH;
    const batch = buildRecordBatch(Array.from({ length: PER_BATCH }, (_, j) => ({ value: valueOf(base + j, i === BIG_AT) })));
    acks.push(
      c.pipeline(0, produceRequest, produceResponse, 7, produceBody(TOPIC, batch, 1)).then((r) => r.responses[0].partitionResponses[0].errorCode),
    );
  }
  expect(new Set(await Promise.all(acks))).toEqual(new Set([ErrorCode.NONE]));
  records = BATCHES * PER_BATCH;
  c.close();
}, 60000);
afterAll(() => b.cleanup());

test('pipelined fetches of many sizes, one reader stalled while the others fetch on, all answer the stored batches intact', async () => {
  const sizes = [64 * 1024, 1 << 20, 4 << 20, 40 << 20];
  const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.open(b.port)));
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const fetchAndCheck = (c: RawClient, offset: number, maxBytes: number) =>
    c.pipeline(1, fetchRequest, fetchResponse, 11, fetchOf(offset, maxBytes), 60000).then((res) => {
      const p = res.responses[0].partitions[0];
      expect(p.errorCode).toBe(ErrorCode.NONE);
      checkAnswer(p.records as Buffer, offset, maxBytes);
    });
  // The stalled reader: its answers are read, then wait in the broker's socket for it to read.
  clients[0].socket.pause();
  const stalled: Promise<void>[] = [];
  for (let i = 0; i < 12; i++) stalled.push(fetchAndCheck(clients[0], i === 0 ? BIG_AT * PER_BATCH + 3 : rnd(records), sizes[i % sizes.length]));
  await new Promise((r) => setTimeout(r, 300));
  // Meanwhile the others fetch on, two in flight each, reading into whatever buffers the pool has.
  await Promise.all(
    clients.slice(1).map(async (c) => {
      for (let round = 0; round < 12; round++) {
        await Promise.all([0, 1].map(() => fetchAndCheck(c, rnd(records), sizes[rnd(sizes.length)])));
      }
    }),
  );
  clients[0].socket.resume();
  await Promise.all(stalled);
  for (const c of clients) c.close();
}, 60000);

test('a fetch from the ~900 KB batch with 64 KiB max_bytes returns that batch whole', async () => {
  const c = await RawClient.open(b.port);
  const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchOf(BIG_AT * PER_BATCH, 64 * 1024));
  const recs = res.responses[0].partitions[0].records as Buffer;
  checkAnswer(recs, BIG_AT * PER_BATCH, 64 * 1024);
  expect(recs.length).toBeGreaterThan(800_000);
  expect(readBatchHeader(recs, 0).baseOffset).toBe(BIG_AT * PER_BATCH);
  c.close();
});

test('a fetch larger than the whole log (40 MiB max_bytes) answers every batch', async () => {
  const c = await RawClient.open(b.port);
  const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchOf(0, 40 << 20));
  const recs = res.responses[0].partitions[0].records as Buffer;
  checkAnswer(recs, 0, 40 << 20);
  let n = 0;
  for (let pos = 0; pos < recs.length; pos += LOG_OVERHEAD + readBatchHeader(recs, pos).batchLength) n++;
  expect(n).toBe(BATCHES);
  c.close();
});
