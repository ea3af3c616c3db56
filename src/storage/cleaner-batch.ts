/**
 * What the log cleaner does to one v2 record batch, as Kafka's
 * MemoryRecords.filterTo: read its records (decompressing through
 * `recordsCodec`), and write the retained ones back as a batch that keeps
 * the original baseOffset, lastOffsetDelta (so the producer's last sequence
 * survives), producer id/epoch/base sequence, partition leader epoch,
 * compression, timestamp type and transactional/control flags; each record
 * keeps its offset delta. The base timestamp becomes the first retained
 * record's timestamp, or the delete horizon (KIP-534: attribute bit 0x40)
 * when the batch holds a tombstone and has none yet; record timestamp deltas
 * are rewritten against it so every record keeps its timestamp.
 *
 * Records are parsed just far enough to find the key and whether the value
 * is null; headers and value bytes are copied as they are.
 */
import { crc32c } from '../protocol/crc32c';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_LOG_APPEND_TIME,
  BATCH_HEADER_SIZE,
  CRC_START,
  Compression,
  LOG_OVERHEAD,
  Off,
} from '../protocol/record-batch';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES, isKnownCompression } from '../protocol/compression';

/** Attribute bit: the base timestamp is the delete horizon (KIP-534). */
export const ATTR_DELETE_HORIZON = 0x40;

export class UnsupportedCodecError extends Error {
  constructor(compression: number) {
    super(`compression ${Compression[compression] ?? compression} cannot be read by the cleaner yet`);
    this.name = 'UnsupportedCodecError';
  }
}

export interface RecordsCodec {
  decompress(body: Buffer): Buffer;
  compress(records: Buffer): Buffer;
}

/**
 * THE one place the cleaner turns a compressed batch body into raw records
 * and back: every codec of src/protocol/compression.ts (the rewritten batch
 * keeps its codec; snappy is written raw, which every client reads). A codec
 * id Kafka does not know throws UnsupportedCodecError, and bytes that do not
 * decompress throw DecompressionError: the cleaner keeps such a batch
 * untouched and takes no keys from it.
 */
export function recordsCodec(compression: number): RecordsCodec {
  if (compression === Compression.none || !isKnownCompression(compression)) throw new UnsupportedCodecError(compression);
  return {
    decompress: (b) => decompress(compression, b, DEFAULT_MAX_DECOMPRESSED_BYTES),
    compress: (b) => compress(compression, b),
  };
}

/** One record inside a batch body, by position (an object made on request, for tests and tools). */
export interface RecordView {
  /** Its index in the batch. */
  index: number;
  /** Absolute offset (batch base + offset delta). */
  offset: number;
  timestamp: number;
  attributes: number;
  /** Key bytes are records[keyStart, keyEnd); keyStart = -1 for a null key. */
  keyStart: number;
  keyEnd: number;
  valueNull: boolean;
  /** The record's bytes from its offsetDelta field to its end (copied as they are). */
  restStart: number;
  end: number;
}

/**
 * The records of one batch as columns of typed arrays, so reading a batch
 * makes no object per record (the cleaner reuses one BatchView for every
 * batch of a pass: little garbage, short GC pauses).
 */
export class BatchView {
  batch: Buffer = Buffer.alloc(0);
  baseOffset = 0;
  lastOffset = 0;
  attributes = 0;
  baseTimestamp = 0;
  maxTimestamp = 0;
  producerId = -1n;
  /** Number of records read. */
  count = 0;
  /** Uncompressed records (the batch body itself for uncompressed batches). */
  records: Buffer = Buffer.alloc(0);
  offset = new Float64Array(64);
  timestamp = new Float64Array(64);
  keyStart = new Int32Array(64);
  keyEnd = new Int32Array(64);
  restStart = new Int32Array(64);
  end = new Int32Array(64);
  recAttributes = new Uint8Array(64);
  valueNull = new Uint8Array(64);

  get recordCount(): number {
    return this.count;
  }

  /** Record i as an object. */
  view(i: number): RecordView {
    return {
      index: i,
      offset: this.offset[i],
      timestamp: this.timestamp[i],
      attributes: this.recAttributes[i],
      keyStart: this.keyStart[i],
      keyEnd: this.keyEnd[i],
      valueNull: this.valueNull[i] === 1,
      restStart: this.restStart[i],
      end: this.end[i],
    };
  }

  /** Every record as an object. */
  get views(): RecordView[] {
    return Array.from({ length: this.count }, (_, i) => this.view(i));
  }

  private ensure(n: number): void {
    if (n <= this.offset.length) return;
    let size = this.offset.length;
    while (size < n) size *= 2;
    this.offset = new Float64Array(size);
    this.timestamp = new Float64Array(size);
    this.keyStart = new Int32Array(size);
    this.keyEnd = new Int32Array(size);
    this.restStart = new Int32Array(size);
    this.end = new Int32Array(size);
    this.recAttributes = new Uint8Array(size);
    this.valueNull = new Uint8Array(size);
  }

  /** Reads every record of `batch` (decompressing if needed). Throws on a malformed body or an unsupported codec. */
  read(batch: Buffer): this {
    const attributes = batch.readInt16BE(Off.attributes);
    const baseOffset = Number(batch.readBigInt64BE(Off.baseOffset));
    const compression = attributes & ATTR_COMPRESSION_MASK;
    const body = batch.subarray(BATCH_HEADER_SIZE);
    const records = compression === Compression.none ? body : recordsCodec(compression).decompress(body);
    const count = Math.max(0, batch.readInt32BE(Off.recordCount));
    const baseTimestamp = Number(batch.readBigInt64BE(Off.baseTimestamp));
    const maxTimestamp = Number(batch.readBigInt64BE(Off.maxTimestamp));
    const logAppend = (attributes & ATTR_LOG_APPEND_TIME) !== 0;
    this.count = 0;
    this.ensure(count);
    const r = { pos: 0 };
    for (let i = 0; i < count; i++) {
      const length = varint(records, r);
      const start = r.pos;
      const end = start + length;
      if (length < 0 || end > records.length) throw new Error(`record ${i} of the batch at ${baseOffset} runs past its end`);
      this.recAttributes[i] = records[r.pos++];
      const tsDelta = varint(records, r);
      this.restStart[i] = r.pos;
      const offsetDelta = varint(records, r);
      const keyLen = varint(records, r);
      this.keyStart[i] = keyLen < 0 ? -1 : r.pos;
      if (keyLen > 0) r.pos += keyLen;
      this.keyEnd[i] = keyLen < 0 ? -1 : r.pos;
      const valueLen = varint(records, r);
      if (r.pos > end) throw new Error(`record ${i} of the batch at ${baseOffset} is malformed`);
      this.offset[i] = baseOffset + offsetDelta;
      this.timestamp[i] = logAppend ? maxTimestamp : baseTimestamp + tsDelta;
      this.valueNull[i] = valueLen < 0 ? 1 : 0;
      this.end[i] = end;
      r.pos = end;
    }
    this.batch = batch;
    this.baseOffset = baseOffset;
    this.lastOffset = baseOffset + batch.readInt32BE(Off.lastOffsetDelta);
    this.attributes = attributes;
    this.baseTimestamp = baseTimestamp;
    this.maxTimestamp = maxTimestamp;
    this.producerId = batch.readBigInt64BE(Off.producerId);
    this.records = records;
    this.count = count;
    return this;
  }
}

export function isControl(attributes: number): boolean {
  return (attributes & 0x20) !== 0;
}

export function hasDeleteHorizon(attributes: number): boolean {
  return (attributes & ATTR_DELETE_HORIZON) !== 0;
}

/** Reads every record of the batch into a new BatchView. */
export function readBatch(batch: Buffer): BatchView {
  return new BatchView().read(batch);
}

/**
 * Calls `fn` with the key position and offset of every keyed record of the
 * batch, without building record objects (the offset map's scan). Throws
 * like readBatch.
 */
export function forEachKey(batch: Buffer, fn: (buf: Buffer, keyStart: number, keyEnd: number, offset: number) => void): void {
  const attributes = batch.readInt16BE(Off.attributes);
  const baseOffset = Number(batch.readBigInt64BE(Off.baseOffset));
  const compression = attributes & ATTR_COMPRESSION_MASK;
  const body = batch.subarray(BATCH_HEADER_SIZE);
  const records = compression === Compression.none ? body : recordsCodec(compression).decompress(body);
  const count = batch.readInt32BE(Off.recordCount);
  const r = { pos: 0 };
  for (let i = 0; i < count; i++) {
    const length = varint(records, r);
    const end = r.pos + length;
    if (length < 0 || end > records.length) throw new Error(`record ${i} of the batch at ${baseOffset} runs past its end`);
    r.pos++; // attributes
    varint(records, r); // timestamp delta
    const offsetDelta = varint(records, r);
    const keyLen = varint(records, r);
    if (keyLen >= 0) {
      if (r.pos + keyLen > end) throw new Error(`record ${i} of the batch at ${baseOffset} is malformed`);
      fn(records, r.pos, r.pos + keyLen, baseOffset + offsetDelta);
    }
    r.pos = end;
  }
}

/**
 * The batch rewritten with only the records at indexes `keep[0..keepCount)`
 * (in order). `deleteHorizonMs` >= 0 sets the delete horizon (and the
 * attribute bit); otherwise a horizon the batch already has is kept.
 */
export function rewriteBatch(v: BatchView, keep: ArrayLike<number>, deleteHorizonMs: number, keepCount = keep.length): Buffer {
  const hadHorizon = hasDeleteHorizon(v.attributes);
  let attributes = v.attributes;
  let baseTimestamp: number;
  if (deleteHorizonMs >= 0) {
    attributes |= ATTR_DELETE_HORIZON;
    baseTimestamp = deleteHorizonMs;
  } else if (hadHorizon) {
    baseTimestamp = v.baseTimestamp;
  } else {
    baseTimestamp = v.timestamp[keep[0]];
  }
  const logAppend = (attributes & ATTR_LOG_APPEND_TIME) !== 0;
  let maxTimestamp = -1;
  // sizes first, then one buffer written in place
  let bodySize = 0;
  for (let k = 0; k < keepCount; k++) {
    const i = keep[k];
    const ts = v.timestamp[i];
    if (ts > maxTimestamp) maxTimestamp = ts;
    const delta = logAppend ? 0 : ts - baseTimestamp;
    const inner = 1 + zigzagSize(delta) + (v.end[i] - v.restStart[i]);
    bodySize += zigzagSize(inner) + inner;
  }
  if (logAppend) maxTimestamp = v.maxTimestamp;
  const compression = attributes & ATTR_COMPRESSION_MASK;
  const headerRoom = compression === Compression.none ? BATCH_HEADER_SIZE : 0;
  const raw = Buffer.allocUnsafe(headerRoom + bodySize);
  let p = headerRoom;
  for (let k = 0; k < keepCount; k++) {
    const i = keep[k];
    const delta = logAppend ? 0 : v.timestamp[i] - baseTimestamp;
    p = writeZigzag(raw, p, 1 + zigzagSize(delta) + (v.end[i] - v.restStart[i]));
    raw[p++] = v.recAttributes[i];
    p = writeZigzag(raw, p, delta);
    p += v.records.copy(raw, p, v.restStart[i], v.end[i]);
  }
  let out: Buffer;
  if (compression === Compression.none) {
    out = raw;
  } else {
    const body = recordsCodec(compression).compress(raw);
    out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
    body.copy(out, BATCH_HEADER_SIZE);
  }
  v.batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, Off.batchLength);
  out.writeInt16BE(attributes, Off.attributes);
  out.writeBigInt64BE(BigInt(baseTimestamp), Off.baseTimestamp);
  out.writeBigInt64BE(BigInt(maxTimestamp), Off.maxTimestamp);
  out.writeInt32BE(keepCount, Off.recordCount);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), Off.crc);
  return out;
}

/**
 * A batch with no records that keeps the original's offsets, producer
 * fields, flags and max timestamp (Kafka's DefaultRecordBatch.writeEmptyHeader:
 * no compression, base timestamp -1).
 */
export function emptyBatch(src: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
  src.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(BATCH_HEADER_SIZE - LOG_OVERHEAD, Off.batchLength);
  const attributes = src.readInt16BE(Off.attributes) & ~(ATTR_COMPRESSION_MASK | ATTR_DELETE_HORIZON);
  out.writeInt16BE(attributes, Off.attributes);
  out.writeBigInt64BE(-1n, Off.baseTimestamp);
  out.writeInt32BE(0, Off.recordCount);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), Off.crc);
  return out;
}

// ------------------------------------------------------------ varints (zigzag, as numbers)

function varint(buf: Buffer, r: { pos: number }): number {
  let shift = 1;
  let raw = 0;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= buf.length) throw new Error('varint runs past the end of the records');
    const b = buf[r.pos++];
    raw += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    shift *= 128;
  }
  throw new Error('varint longer than 10 bytes');
}

function zigzagSize(n: number): number {
  let raw = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (raw >= 128) {
    raw = Math.floor(raw / 128);
    size++;
  }
  return size;
}

function writeZigzag(buf: Buffer, pos: number, n: number): number {
  let raw = n >= 0 ? n * 2 : -n * 2 - 1;
  while (raw >= 128) {
    buf[pos++] = (raw % 128) | 0x80;
    raw = Math.floor(raw / 128);
  }
  buf[pos++] = raw;
  return pos;
}
