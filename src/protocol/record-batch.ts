/**
 * Record batches, magic v2, read in place.
 *
 * Layout (offsets into the batch):
 *   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32
 *  16 magic int8 | 17 crc uint32 (CRC-32C of bytes 21..end) | 21 attributes int16
 *  23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64
 *  43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32
 *  57 recordCount int32 | 61 records...
 *
 * baseOffset and partitionLeaderEpoch are outside the CRC, so the broker
 * assigns offsets and its leader epoch by patching them; records are never
 * re-encoded on the produce or fetch path. This module is a leaf (no broker
 * state): storage uses it to scan and recover segments.
 */
import { crc32c } from '@node-rs/crc32';
import { MalformedError, Reader, Writer, varintSize, varlongSize } from './primitives';

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes before batchLength starts counting. */
export const LOG_OVERHEAD = 12;
export const CRC_START = 21;
export const MAGIC_V2 = 2;

export const enum Off {
  baseOffset = 0,
  batchLength = 8,
  partitionLeaderEpoch = 12,
  magic = 16,
  crc = 17,
  attributes = 21,
  lastOffsetDelta = 23,
  baseTimestamp = 27,
  maxTimestamp = 35,
  producerId = 43,
  producerEpoch = 51,
  baseSequence = 53,
  recordCount = 57,
}

export enum Compression {
  none = 0,
  gzip = 1,
  snappy = 2,
  lz4 = 3,
  zstd = 4,
}

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_LOG_APPEND_TIME = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

/** The fixed header of one batch, read from a buffer at `pos`. */
export interface BatchHeader {
  baseOffset: number;
  /** Bytes from after batchLength to the end of the batch. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_SIZE) throw new MalformedError('record batch shorter than its header');
  return {
    baseOffset: Number(buf.readBigInt64BE(pos + Off.baseOffset)),
    batchLength: buf.readInt32BE(pos + Off.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(pos + Off.partitionLeaderEpoch),
    magic: buf.readInt8(pos + Off.magic),
    crc: buf.readUInt32BE(pos + Off.crc),
    attributes: buf.readInt16BE(pos + Off.attributes),
    lastOffsetDelta: buf.readInt32BE(pos + Off.lastOffsetDelta),
    baseTimestamp: buf.readBigInt64BE(pos + Off.baseTimestamp),
    maxTimestamp: buf.readBigInt64BE(pos + Off.maxTimestamp),
    producerId: buf.readBigInt64BE(pos + Off.producerId),
    producerEpoch: buf.readInt16BE(pos + Off.producerEpoch),
    baseSequence: buf.readInt32BE(pos + Off.baseSequence),
    recordCount: buf.readInt32BE(pos + Off.recordCount),
  };
}

/** Total size of the batch starting at `pos`, from its length field (no checks). */
export function batchSizeAt(buf: Buffer, pos: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(pos + Off.batchLength);
}

export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(CRC_START));
}

export type BatchProblem =
  | { kind: 'ok' }
  | { kind: 'truncated'; reason: string }
  | { kind: 'corrupt'; reason: string };

/**
 * Checks the batch at `pos`: complete, magic 2, length sane, CRC matches.
 * Returns the batch size when ok. Used by produce validation and recovery.
 */
export function checkBatchAt(buf: Buffer, pos: number): { size: number; problem: BatchProblem } {
  const avail = buf.length - pos;
  if (avail < LOG_OVERHEAD) return { size: 0, problem: { kind: 'truncated', reason: `only ${avail} bytes left` } };
  const length = buf.readInt32BE(pos + Off.batchLength);
  const size = LOG_OVERHEAD + length;
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    return { size: 0, problem: { kind: 'corrupt', reason: `batch length ${length} below the header size` } };
  }
  if (avail < size) return { size: 0, problem: { kind: 'truncated', reason: `batch of ${size} bytes, ${avail} present` } };
  const magic = buf.readInt8(pos + Off.magic);
  if (magic !== MAGIC_V2) return { size, problem: { kind: 'corrupt', reason: `magic ${magic}, only v2 is supported` } };
  const stored = buf.readUInt32BE(pos + Off.crc);
  const actual = crc32c(buf.subarray(pos + CRC_START, pos + size));
  if (stored !== actual) {
    return { size, problem: { kind: 'corrupt', reason: `CRC mismatch (stored ${stored}, computed ${actual})` } };
  }
  return { size, problem: { kind: 'ok' } };
}

export function compressionOf(attributes: number): Compression {
  return (attributes & ATTR_COMPRESSION_MASK) as Compression;
}

// ------------------------------------------------------------- records

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Decodes the records of an uncompressed batch's body (bytes from offset 61). */
export function decodeRecords(body: Buffer, count: number): Record[] {
  const r = new Reader(body);
  const out: Record[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const end = r.offset + length;
    if (length < 0 || end > body.length) throw new MalformedError(`record ${i} length ${length} runs past the batch`);
    const attributes = r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = readVarBytes(r);
    const value = readVarBytes(r);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > end - r.offset) throw new MalformedError(`record ${i}: ${headerCount} headers`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const k = readVarBytes(r);
      if (k === null) throw new MalformedError('null header key');
      headers.push({ key: k.toString('utf8'), value: readVarBytes(r) });
    }
    if (r.offset !== end) throw new MalformedError(`record ${i}: length ${length} but ${r.offset - (end - length)} bytes read`);
    out.push({ attributes, timestampDelta, offsetDelta, key, value, headers });
  }
  return out;
}

function readVarBytes(r: Reader): Buffer | null {
  const n = r.varint();
  return n < 0 ? null : r.raw(n);
}

// ------------------------------------------------------------ building

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: { key: string; value: Buffer | string | null }[];
  /** Milliseconds; defaults to the batch's base timestamp. */
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  attributes?: number;
  baseTimestamp?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

function toBuf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function varBytesSize(b: Buffer | null): number {
  return b === null ? varintSize(-1) : varintSize(b.length) + b.length;
}

/**
 * Builds an uncompressed v2 batch with a correct CRC (for tests, tools and the
 * benchmark's load generator; the broker itself never builds client batches).
 */
export function buildRecordBatch(records: RecordInput[], opts: BatchOptions = {}): Buffer {
  const baseTimestamp = opts.baseTimestamp ?? records[0]?.timestamp ?? Date.now();
  const encoded = records.map((rec, i) => {
    const key = toBuf(rec.key);
    const value = toBuf(rec.value);
    const headers = (rec.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuf(h.value) }));
    const tsDelta = BigInt((rec.timestamp ?? baseTimestamp) - baseTimestamp);
    let body = 1 + varlongSize(tsDelta) + varintSize(i) + varBytesSize(key) + varBytesSize(value) + varintSize(headers.length);
    for (const h of headers) body += varBytesSize(h.key) + varBytesSize(h.value);
    return { key, value, headers, tsDelta, body };
  });
  let size = BATCH_HEADER_SIZE;
  for (const e of encoded) size += varintSize(e.body) + e.body;
  const w = new Writer(size);
  let maxTimestamp = baseTimestamp;
  for (const rec of records) if ((rec.timestamp ?? baseTimestamp) > maxTimestamp) maxTimestamp = rec.timestamp!;
  w.int64(BigInt(opts.baseOffset ?? 0));
  w.int32(size - LOG_OVERHEAD);
  w.int32(opts.partitionLeaderEpoch ?? -1);
  w.int8(MAGIC_V2);
  w.uint32(0); // CRC, filled below
  w.int16(opts.attributes ?? 0);
  w.int32(records.length - 1);
  w.int64(BigInt(baseTimestamp));
  w.int64(BigInt(maxTimestamp));
  w.int64(opts.producerId ?? -1n);
  w.int16(opts.producerEpoch ?? -1);
  w.int32(opts.baseSequence ?? -1);
  w.int32(records.length);
  encoded.forEach((e, i) => {
    w.varint(e.body);
    w.int8(0);
    w.varlong(e.tsDelta);
    w.varint(i);
    writeVarBytes(w, e.key);
    writeVarBytes(w, e.value);
    w.varint(e.headers.length);
    for (const h of e.headers) {
      writeVarBytes(w, h.key);
      writeVarBytes(w, h.value);
    }
  });
  const [batch] = w.finish();
  batch.writeUInt32BE(computeBatchCrc(batch), Off.crc);
  return batch;
}

function writeVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.raw(b);
}
