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
 * state): storage uses it to scan and recover segments. Compressed batches
 * are read with recordsOf() (codecs in compression.ts) and built with
 * encodeBatch()/buildRecordBatch({ compression }).
 */
import { crc32c } from './crc32c';
import { Compression, CompressOptions, compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression';
import { MalformedError, Reader, Writer, varintSize, varlongSize } from './primitives';

export { Compression } from './compression';

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

/**
 * An int64 field (offsets, timestamps) as a number, without a BigInt (about
 * 4x cheaper on the produce path). Exact for values within +-2^53, which
 * offsets and millisecond timestamps are.
 */
export function readInt64Number(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

/** Writes a number within +-2^53 as an int64 field, without a BigInt. */
export function writeInt64Number(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, at + 4);
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
  return decodeRecordsFrom(new Reader(body), count);
}

function decodeRecordsFrom(r: Reader, count: number): Record[] {
  const body = r.buf;
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

// ------------------------------------------- records of any codec

/**
 * The records section of a batch (the bytes after the 61-byte header),
 * decompressed when the batch is compressed. `maxBytes` bounds what
 * decompression may produce (DecompressionError 'too-large' beyond it);
 * undecodable compressed bytes throw DecompressionError 'corrupt'.
 */
export function recordsSection(batch: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  const body = batch.subarray(BATCH_HEADER_SIZE, batchSizeAt(batch, 0));
  const codec = compressionOf(batch.readInt16BE(Off.attributes));
  return codec === Compression.none ? body : decompress(codec, body, maxBytes);
}

/**
 * The records of one batch (at the start of `batch`), whatever its codec:
 * exactly recordCount well-formed records filling the (decompressed)
 * section, as Kafka's batch iterator insists ("Incorrect declared batch
 * size"). Record-level problems throw MalformedError, codec problems
 * DecompressionError.
 */
export function recordsOf(batch: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Record[] {
  const count = batch.readInt32BE(Off.recordCount);
  if (count < 0) throw new MalformedError(`Found invalid record count ${count}`);
  const section = recordsSection(batch, maxBytes);
  // Every record takes at least 7 bytes: a count beyond that cannot be honest.
  if (count > section.length / 7 + 1) throw new MalformedError(`Incorrect declared batch size: ${count} records in ${section.length} bytes`);
  const r = new Reader(section);
  const records = decodeRecordsFrom(r, count);
  if (r.offset !== section.length) {
    throw new MalformedError(`Incorrect declared batch size, records still remaining (${section.length - r.offset} bytes after ${count} records)`);
  }
  return records;
}

/**
 * What recordsOf checks, without building the records (Kafka's
 * skipKeyValueIterator): exactly recordCount well-formed records filling the
 * (decompressed) section, keys, values and headers skipped over. The
 * produce path's --validate-records uses this. Throws as recordsOf does.
 */
export function checkRecordsOf(batch: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): void {
  const count = batch.readInt32BE(Off.recordCount);
  if (count < 0) throw new MalformedError(`Found invalid record count ${count}`);
  const section = recordsSection(batch, maxBytes);
  const end = section.length;
  let pos = 0;
  // Zigzag varint at pos (at most 5 bytes); advances pos.
  const varint = (limit: number): number => {
    let u = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= limit) throw new MalformedError('Incorrect declared batch size, premature EOF reached');
      const b = section[pos++];
      u |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (u >>> 1) ^ -(u & 1);
    }
    throw new MalformedError('varint longer than 5 bytes');
  };
  for (let i = 0; i < count; i++) {
    const length = varint(end);
    const recEnd = pos + length;
    if (length < 0 || recEnd > end) throw new MalformedError(`Incorrect declared batch size, premature EOF reached (record ${i} of ${length} bytes)`);
    pos += 1; // attributes
    for (let n = 0; ; n++) {
      // timestampDelta varlong: skipped
      if (pos >= recEnd || n >= 10) throw new MalformedError(`record ${i}: bad timestamp delta`);
      if ((section[pos++] & 0x80) === 0) break;
    }
    varint(recEnd); // offsetDelta
    // As Kafka's DefaultRecord.readFrom: any negative key, value or header value size is null.
    for (const what of ['key', 'value']) {
      const n = varint(recEnd);
      if (n > recEnd - pos) throw new MalformedError(`record ${i}: ${what} of ${n} bytes runs past the record`);
      if (n > 0) pos += n;
    }
    const headers = varint(recEnd);
    if (headers < 0 || headers > recEnd - pos) throw new MalformedError(`Found invalid number of record headers ${headers}`);
    for (let h = 0; h < headers; h++) {
      const k = varint(recEnd);
      if (k < 0 || k > recEnd - pos) throw new MalformedError(`record ${i}: header key of ${k} bytes`);
      pos += k;
      const v = varint(recEnd);
      if (v > recEnd - pos) throw new MalformedError(`record ${i}: header value of ${v} bytes`);
      if (v > 0) pos += v;
    }
    if (pos !== recEnd) throw new MalformedError(`Invalid record size: expected ${length} bytes in record ${i}, read ${length - (recEnd - pos)}`);
  }
  if (pos !== end) throw new MalformedError(`Incorrect declared batch size, records still remaining (${end - pos} bytes after ${count} records)`);
}

/**
 * Rewrites header fields that the CRC covers (attributes, maxTimestamp,
 * baseTimestamp, lastOffsetDelta) in place and recomputes the CRC; the
 * records section, compressed or not, is left as it is (LogAppendTime
 * stamping patches a compressed batch this way, as Kafka's
 * setMaxTimestamp does). The compression bits of `attributes` cannot change.
 */
export function patchBatchHeader(
  batch: Buffer,
  patch: { attributes?: number; maxTimestamp?: bigint; baseTimestamp?: bigint; lastOffsetDelta?: number },
): void {
  if (patch.attributes !== undefined) {
    const old = batch.readInt16BE(Off.attributes);
    if ((old & ATTR_COMPRESSION_MASK) !== (patch.attributes & ATTR_COMPRESSION_MASK)) {
      throw new Error('patchBatchHeader cannot change the compression codec (re-encode the batch instead)');
    }
    batch.writeInt16BE(patch.attributes, Off.attributes);
  }
  if (patch.maxTimestamp !== undefined) batch.writeBigInt64BE(patch.maxTimestamp, Off.maxTimestamp);
  if (patch.baseTimestamp !== undefined) batch.writeBigInt64BE(patch.baseTimestamp, Off.baseTimestamp);
  if (patch.lastOffsetDelta !== undefined) batch.writeInt32BE(patch.lastOffsetDelta, Off.lastOffsetDelta);
  batch.writeUInt32BE(computeBatchCrc(batch.subarray(0, batchSizeAt(batch, 0))), Off.crc);
}

// ------------------------------------------------------------ building

/**
 * The batch re-encoded with another codec, as Kafka's LogValidator rebuilds
 * a batch when the topic's compression.type differs from the producer's:
 * records renumbered from offset delta 0, the first record's timestamp as
 * the base, maxTimestamp recomputed (kept for LogAppendTime), producer
 * fields, partition leader epoch and the transactional/control/timestamp
 * type bits kept. Throws as recordsOf does.
 */
export function recompressBatch(batch: Buffer, codec: Compression, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES, opts: CompressOptions = {}): Buffer {
  const h = readBatchHeader(batch);
  const records = recordsOf(batch, maxBytes);
  const stamps = records.map((r) => h.baseTimestamp + r.timestampDelta);
  const base = stamps.length > 0 ? stamps[0] : h.baseTimestamp;
  let max = stamps.length > 0 ? stamps[0] : h.maxTimestamp;
  for (const t of stamps) if (t > max) max = t;
  return encodeBatch(
    {
      ...h,
      lastOffsetDelta: records.length - 1,
      baseTimestamp: base,
      maxTimestamp: (h.attributes & ATTR_LOG_APPEND_TIME) !== 0 ? h.maxTimestamp : max,
    },
    records.map((r, i) => ({ ...r, offsetDelta: i, timestampDelta: stamps[i] - base })),
    codec,
    opts,
  );
}

/** Header fields of a batch to encode; recordCount, batchLength, magic and CRC are computed. */
export interface BatchFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  /** Timestamp type, transactional and control bits; the codec bits come from `codec`. */
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

/** Encodes records (their own attributes, deltas, keys, values, headers) as a records section. */
export function encodeRecords(records: readonly Record[]): Buffer {
  const sizes = records.map(recordBodySize);
  let size = 0;
  for (const n of sizes) size += varintSize(n) + n;
  if (size === 0) return Buffer.alloc(0);
  const w = new Writer(size);
  records.forEach((rec, i) => {
    w.varint(sizes[i]);
    w.int8(rec.attributes);
    w.varlong(rec.timestampDelta);
    w.varint(rec.offsetDelta);
    writeVarBytes(w, rec.key);
    writeVarBytes(w, rec.value);
    w.varint(rec.headers.length);
    for (const h of rec.headers) {
      writeVarBytes(w, Buffer.from(h.key, 'utf8'));
      writeVarBytes(w, h.value);
    }
  });
  const chunks = w.finish();
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * Encodes a complete batch: the header from `fields`, the records encoded
 * and compressed with `codec` (the codec bits of the attributes are set to
 * it), the CRC computed. The log cleaner re-encodes what it keeps of a batch
 * this way: `readBatchHeader` for the fields, `recordsOf` for the records.
 */
export function encodeBatch(fields: BatchFields, records: readonly Record[], codec: Compression = Compression.none, opts: CompressOptions = {}): Buffer {
  const section = compress(codec, encodeRecords(records), opts);
  const batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + section.length);
  batch.writeBigInt64BE(BigInt(fields.baseOffset), Off.baseOffset);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, Off.batchLength);
  batch.writeInt32BE(fields.partitionLeaderEpoch, Off.partitionLeaderEpoch);
  batch.writeInt8(MAGIC_V2, Off.magic);
  batch.writeInt16BE((fields.attributes & ~ATTR_COMPRESSION_MASK) | codec, Off.attributes);
  batch.writeInt32BE(fields.lastOffsetDelta, Off.lastOffsetDelta);
  batch.writeBigInt64BE(fields.baseTimestamp, Off.baseTimestamp);
  batch.writeBigInt64BE(fields.maxTimestamp, Off.maxTimestamp);
  batch.writeBigInt64BE(fields.producerId, Off.producerId);
  batch.writeInt16BE(fields.producerEpoch, Off.producerEpoch);
  batch.writeInt32BE(fields.baseSequence, Off.baseSequence);
  batch.writeInt32BE(records.length, Off.recordCount);
  section.copy(batch, BATCH_HEADER_SIZE);
  batch.writeUInt32BE(computeBatchCrc(batch), Off.crc);
  return batch;
}

function recordBodySize(rec: Record): number {
  let n = 1 + varlongSize(rec.timestampDelta) + varintSize(rec.offsetDelta) + varBytesSize(rec.key) + varBytesSize(rec.value) + varintSize(rec.headers.length);
  for (const h of rec.headers) n += varBytesSize(Buffer.from(h.key, 'utf8')) + varBytesSize(h.value);
  return n;
}

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
  /** Codec of the records section (default none); overrides the codec bits of `attributes`. */
  compression?: Compression;
  compressOptions?: CompressOptions;
}

function toBuf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function varBytesSize(b: Buffer | null): number {
  return b === null ? varintSize(-1) : varintSize(b.length) + b.length;
}

/**
 * Builds a v2 batch with a correct CRC, uncompressed unless `compression` is
 * given (for tests, tools and the benchmark's load generator; the broker
 * itself never builds client batches).
 */
export function buildRecordBatch(records: RecordInput[], opts: BatchOptions = {}): Buffer {
  const baseTimestamp = opts.baseTimestamp ?? records[0]?.timestamp ?? Date.now();
  let maxTimestamp = baseTimestamp;
  for (const rec of records) if ((rec.timestamp ?? baseTimestamp) > maxTimestamp) maxTimestamp = rec.timestamp!;
  const decoded: Record[] = records.map((rec, i) => ({
    attributes: 0,
    timestampDelta: BigInt((rec.timestamp ?? baseTimestamp) - baseTimestamp),
    offsetDelta: i,
    key: toBuf(rec.key),
    value: toBuf(rec.value),
    headers: (rec.headers ?? []).map((h) => ({ key: h.key, value: toBuf(h.value) })),
  }));
  const attributes = opts.attributes ?? 0;
  const codec = opts.compression ?? ((attributes & ATTR_COMPRESSION_MASK) as Compression);
  return encodeBatch(
    {
      baseOffset: opts.baseOffset ?? 0,
      partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
      attributes,
      lastOffsetDelta: records.length - 1,
      baseTimestamp: BigInt(baseTimestamp),
      maxTimestamp: BigInt(maxTimestamp),
      producerId: opts.producerId ?? -1n,
      producerEpoch: opts.producerEpoch ?? -1,
      baseSequence: opts.baseSequence ?? -1,
    },
    decoded,
    codec,
    opts.compressOptions,
  );
}

function writeVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.raw(b);
}
