/**
 * Kafka wire primitives: a bounds-checked Reader over one Buffer and a Writer
 * into a pre-sized Buffer that can also splice in external buffers (record
 * batches) without copying them.
 *
 * Every read past the end throws MalformedError: the connection that sent the
 * frame is closed, nobody else is affected.
 */

export class MalformedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedError';
  }
}

const UUID_BYTES = 16;

export class Reader {
  offset: number;
  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new MalformedError(`${what}: need ${n} bytes at offset ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'int16'));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2, 'uint16'));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'int32'));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4, 'uint32'));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'int64'));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'));
  }

  /** Unsigned LEB128 up to 32 bits. */
  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.need(1, 'varint')];
      if (shift === 28 && (b & 0xf0) !== 0) throw new MalformedError('varint longer than 5 bytes');
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  }
  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }
  /** Unsigned LEB128 up to 64 bits. */
  uvarlong(): bigint {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.need(1, 'varlong')];
      if (shift === 63n && (b & 0xfe) !== 0) throw new MalformedError('varlong longer than 10 bytes');
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
      shift += 7n;
    }
  }
  /** Zigzag-encoded signed 64-bit varlong. */
  varlong(): bigint {
    const u = this.uvarlong();
    return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
  }

  raw(n: number): Buffer {
    const at = this.need(n, 'bytes');
    return this.buf.subarray(at, at + n);
  }

  /** Length of a string/bytes/array: int16/int32 classic or uvarint-1 compact; -1 means null. */
  private len(compact: boolean, classic: 'int16' | 'int32'): number {
    if (compact) return this.uvarint() - 1;
    return classic === 'int16' ? this.int16() : this.int32();
  }

  nullableString(compact: boolean): string | null {
    const n = this.len(compact, 'int16');
    if (n < 0) return null;
    const at = this.need(n, 'string');
    return this.buf.toString('utf8', at, at + n);
  }
  string(compact: boolean): string {
    const s = this.nullableString(compact);
    if (s === null) throw new MalformedError('null string where a string is required');
    return s;
  }
  nullableBytes(compact: boolean): Buffer | null {
    const n = this.len(compact, 'int32');
    if (n < 0) return null;
    return this.raw(n);
  }
  bytes(compact: boolean): Buffer {
    const b = this.nullableBytes(compact);
    if (b === null) throw new MalformedError('null bytes where bytes are required');
    return b;
  }
  /** Array length, or -1 for a null array. */
  arrayLength(compact: boolean): number {
    const n = this.len(compact, 'int32');
    if (n > this.remaining) throw new MalformedError(`array of ${n} elements in ${this.remaining} bytes`);
    return n;
  }
  uuid(): string {
    return uuidToString(this.raw(UUID_BYTES));
  }
}

/** Sizes, for computing a message's length before writing it. */
export function uvarintSize(value: number): number {
  let v = value >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}
export function varintSize(value: number): number {
  return uvarintSize(((value << 1) ^ (value >> 31)) >>> 0);
}
export function uvarlongSize(value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}
export function varlongSize(value: bigint): number {
  return uvarlongSize(zigzag64(value));
}
function zigzag64(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

/**
 * Writes into a buffer sized in advance. `external` splices a caller's buffer
 * into the output as its own chunk (no copy): the result is a list of chunks
 * for socket.writev / cork.
 */
export class Writer {
  readonly buf: Buffer;
  offset = 0;
  private chunkStart = 0;
  private readonly chunks: Buffer[] = [];

  /** @param size bytes written in place (total size minus external buffers) */
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  bool(v: boolean): void {
    this.buf[this.offset++] = v ? 1 : 0;
  }
  int8(v: number): void {
    this.offset = this.buf.writeInt8(v, this.offset);
  }
  int16(v: number): void {
    this.offset = this.buf.writeInt16BE(v, this.offset);
  }
  uint16(v: number): void {
    this.offset = this.buf.writeUInt16BE(v, this.offset);
  }
  int32(v: number): void {
    this.offset = this.buf.writeInt32BE(v, this.offset);
  }
  uint32(v: number): void {
    this.offset = this.buf.writeUInt32BE(v, this.offset);
  }
  int64(v: bigint): void {
    this.offset = this.buf.writeBigInt64BE(v, this.offset);
  }
  float64(v: number): void {
    this.offset = this.buf.writeDoubleBE(v, this.offset);
  }
  uvarint(value: number): void {
    let v = value >>> 0;
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v;
  }
  varint(value: number): void {
    this.uvarint(((value << 1) ^ (value >> 31)) >>> 0);
  }
  uvarlong(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.buf[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.offset++] = Number(v);
  }
  varlong(value: bigint): void {
    this.uvarlong(zigzag64(value));
  }
  raw(b: Buffer): void {
    this.offset += b.copy(this.buf, this.offset);
  }
  /** Length prefix: uvarint(n+1) when compact, else int16/int32; n = -1 for null. */
  length(n: number, compact: boolean, classic: 'int16' | 'int32'): void {
    if (compact) this.uvarint(n + 1);
    else if (classic === 'int16') this.int16(n);
    else this.int32(n);
  }
  uuid(s: string): void {
    this.raw(uuidToBytes(s));
  }
  /** Append `b` as a separate output chunk, without copying it. */
  external(b: Buffer): void {
    if (b.length === 0) return;
    if (this.offset > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.offset));
    this.chunks.push(b);
    this.chunkStart = this.offset;
  }
  /** The written output as chunks, in order. */
  finish(): Buffer[] {
    if (this.offset !== this.buf.length) {
      throw new Error(`size mismatch: computed ${this.buf.length}, wrote ${this.offset}`);
    }
    if (this.offset > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.offset));
    return this.chunks;
  }
}

/** Kafka prints UUIDs as URL-safe base64 without padding (22 characters). */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToString(b: Buffer): string {
  return b.toString('base64url');
}
export function uuidToBytes(s: string): Buffer {
  const b = Buffer.from(s, 'base64url');
  if (b.length !== UUID_BYTES) throw new Error(`not a UUID: ${s}`);
  return b;
}
