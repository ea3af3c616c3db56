/**
 * Batches the cleaner rewrites, checked against our own decoder and
 * differentially against kafkajs's record batch decoder: offsets (with
 * gaps), timestamps (negative deltas under a delete horizon), keys, values,
 * headers, producer fields; gzip recompressed; empty batches.
 */
import * as zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { buildRecordBatch, checkBatchAt, Compression, CRC_START, decodeRecords, Off } from '../../src/protocol/record-batch';
import { ATTR_DELETE_HORIZON, emptyBatch, forEachKey, readBatch, rewriteBatch } from '../../src/storage/cleaner-batch';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const KafkajsDecoder = require('kafkajs/src/protocol/decoder');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const kafkajsRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');

async function kafkajsDecode(batch: Buffer): Promise<any> {
  return kafkajsRecordBatch(new KafkajsDecoder(batch));
}

const TS = 1_700_000_000_000;

function sample(compression = Compression.none): Buffer {
  const b = buildRecordBatch(
    [
      { key: 'a', value: 'a1', timestamp: TS, headers: [{ key: 'h', value: 'x' }] },
      { key: 'b', value: 'b1', timestamp: TS + 5 },
      { key: 'a', value: null, timestamp: TS + 9 },
      { key: 'c', value: 'c1', timestamp: TS + 12, headers: [{ key: 'n', value: null }] },
    ],
    { baseOffset: 1000, baseTimestamp: TS, producerId: 42n, producerEpoch: 3, baseSequence: 17, partitionLeaderEpoch: 5 },
  );
  if (compression === Compression.none) return b;
  const out = Buffer.concat([b.subarray(0, 61), zlib.gzipSync(b.subarray(61))]);
  out.writeInt32BE(out.length - 12, Off.batchLength);
  out.writeInt16BE(compression, Off.attributes);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), Off.crc);
  return out;
}

describe.each([
  ['uncompressed', Compression.none],
  ['gzip', Compression.gzip],
])('rewriting a %s batch', (_name, compression) => {
  test('keeps offsets, timestamps, headers and producer fields of the kept records; kafkajs reads it alike', async () => {
    const v = readBatch(sample(compression));
    expect(v.views.map((r) => r.offset)).toEqual([1000, 1001, 1002, 1003]);
    const keep = [1, 3];
    const out = rewriteBatch(v, keep, -1);
    expect(checkBatchAt(out, 0)).toEqual({ size: out.length, problem: { kind: 'ok' } });
    expect(out.readInt16BE(Off.attributes) & 7).toBe(compression);
    const w = readBatch(out);
    expect(w.baseOffset).toBe(1000);
    expect(w.lastOffset).toBe(1003);
    expect(w.baseTimestamp).toBe(TS + 5); // the first kept record's
    expect(w.maxTimestamp).toBe(TS + 12);
    expect(w.views.map((r) => [r.offset, r.timestamp])).toEqual([
      [1001, TS + 5],
      [1003, TS + 12],
    ]);
    const k = await kafkajsDecode(out);
    expect(k).toMatchObject({ firstOffset: '1000', lastOffsetDelta: 3, producerId: '42', producerEpoch: 3, firstSequence: 17, partitionLeaderEpoch: 5 });
    expect(k.records.map((r: any) => [r.offset, r.timestamp, r.key.toString(), r.value.toString(), r.headers])).toEqual([
      ['1001', String(TS + 5), 'b', 'b1', {}],
      ['1003', String(TS + 12), 'c', 'c1', { n: null }],
    ]);
  });

  test('a kept tombstone sets the delete horizon as the base timestamp; record timestamps survive (negative deltas)', async () => {
    const v = readBatch(sample(compression));
    const horizon = TS + 10; // below a kept record's timestamp: that delta is positive, the others negative
    const out = rewriteBatch(v, [0, 2, 3], horizon);
    const attrs = out.readInt16BE(Off.attributes);
    expect(attrs & ATTR_DELETE_HORIZON).toBe(ATTR_DELETE_HORIZON);
    expect(Number(out.readBigInt64BE(Off.baseTimestamp))).toBe(horizon);
    const w = readBatch(out);
    expect(w.views.map((r) => [r.offset, r.timestamp, r.valueNull])).toEqual([
      [1000, TS, false],
      [1002, TS + 9, true],
      [1003, TS + 12, false],
    ]);
    const k = await kafkajsDecode(out);
    expect(k.records.map((r: any) => [r.offset, r.timestamp, r.value === null ? null : r.value.toString(), r.headers])).toEqual([
      ['1000', String(TS), 'a1', { h: Buffer.from('x') }],
      ['1002', String(TS + 9), null, {}],
      ['1003', String(TS + 12), 'c1', { n: null }],
    ]);
    // a later rewrite keeps the horizon it has
    const again = rewriteBatch(w, [1], -1);
    expect(Number(again.readBigInt64BE(Off.baseTimestamp))).toBe(horizon);
    expect(readBatch(again).views[0].timestamp).toBe(TS + 9);
  });

  test('forEachKey finds every keyed record', () => {
    const seen: [string, number][] = [];
    forEachKey(sample(compression), (buf, s, e, o) => seen.push([buf.toString('utf8', s, e), o]));
    expect(seen).toEqual([
      ['a', 1000],
      ['b', 1001],
      ['a', 1002],
      ['c', 1003],
    ]);
  });
});

test('an empty batch keeps offsets, producer fields, flags and max timestamp; no compression, base timestamp -1 (Kafka writeEmptyHeader)', async () => {
  const src = sample(Compression.gzip);
  const out = emptyBatch(src);
  expect(out.length).toBe(61);
  expect(checkBatchAt(out, 0).problem.kind).toBe('ok');
  const k = await kafkajsDecode(out);
  expect(k).toMatchObject({ firstOffset: '1000', lastOffsetDelta: 3, firstTimestamp: '-1', maxTimestamp: String(TS + 12), producerId: '42', firstSequence: 17 });
  expect(k.records).toEqual([]);
  expect(out.readInt16BE(Off.attributes)).toBe(0);
  expect(decodeRecords(out.subarray(61), 0)).toEqual([]);
});
