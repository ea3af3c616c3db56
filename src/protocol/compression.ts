/**
 * The record compression codecs of magic-v2 batches, and the only place they
 * live: compress(codec, buf) and decompress(codec, buf, maxBytes).
 *
 * - gzip (1): node:zlib;
 * - snappy (2): the `snappy` package (napi-rs, prebuilt binaries in npm
 *   packages). Two framings exist: raw snappy (librdkafka, kafkajs codecs,
 *   @platformatic/kafka) and xerial's SnappyOutputStream framing, which the
 *   Java client and kafka-python write: the 8-byte magic 0x82 'SNAPPY' 0,
 *   int32 version and int32 compatible version, then blocks each prefixed
 *   with an int32 big-endian length. Decompression detects the magic, as
 *   xerial's SnappyInputStream does (it reads input without the magic as one
 *   raw block). compress() writes raw snappy by default: every client reads
 *   it (xerial's SnappyInputStream included), while @platformatic/kafka 1.x
 *   cannot read the xerial framing; `snappyFraming: 'xerial'` writes it;
 * - lz4 (3): the LZ4 frame format (Kafka's Lz4BlockInputStream): magic
 *   0x184D2204, FLG/BD, optional content size, header checksum (second byte
 *   of xxHash32 of the descriptor), blocks prefixed with an int32
 *   little-endian size (high bit set: stored uncompressed), optional block
 *   checksums, end mark 0, optional content checksum. Compression is
 *   `lz4-napi`'s frame encoder (napi-rs); decompression is done here in JS so
 *   it can stop at a bound (the native decoder allocates whatever the data
 *   asks for). Like Kafka, dependent blocks are refused, the header checksum
 *   and block checksums are verified and the content checksum is not;
 * - zstd (4): `@bokuweb/zstd-wasm` (libzstd in WASM), loaded once with
 *   `await loadCodecs()` (Node 20's zlib has no zstd), compresses and
 *   decompresses one shot into a buffer no larger than the bound (a frame
 *   declaring more is refused from its header); `fzstd` (pure JS,
 *   streaming) decodes when the WASM module is not loaded and says what is
 *   wrong when the WASM decoder fails (too large or corrupt).
 *
 * Every decompression is bounded by `maxBytes`: a payload that inflates
 * beyond it fails with a DecompressionError of kind 'too-large' before more
 * memory is taken; bytes the codec cannot decode fail with kind 'corrupt'.
 */
import zlib from 'node:zlib';
import type * as SnappyLib from 'snappy';
import type * as Lz4Lib from 'lz4-napi';
import type * as FzstdLib from 'fzstd';

/*
 * The codec libraries load on first use, not with the broker: each native
 * addon or WASM module costs start-up time and resident memory (snappy,
 * lz4-napi and the zstd WASM module together about 25 ms and 15 MB here), and
 * the zstd WASM memory counts as external memory to V8, which then collects
 * more often on every path (measured on produce: 9 full mark-compacts in a
 * 1M-record run with it loaded, 1 without). A broker that never sees a codec
 * never loads it. snappy and lz4-napi load synchronously when first needed;
 * the zstd WASM module needs an asynchronous start (loadCodecs), so zstd
 * decompresses with the pure-JS fzstd until it is there (and starts loading
 * it), and compressing zstd needs `await loadCodecs()` first: the topic
 * manager awaits it before any topic's compression.type is zstd, and the
 * cleaner before rewriting a zstd batch (loadCodecFor).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
let snappyLib: typeof SnappyLib | null = null;
const snappy = (): typeof SnappyLib => (snappyLib ??= require('snappy') as typeof SnappyLib);
let lz4Lib: typeof Lz4Lib | null = null;
const lz4 = (): typeof Lz4Lib => (lz4Lib ??= require('lz4-napi') as typeof Lz4Lib);
let fzstdLib: typeof FzstdLib | null = null;
const fzstd = (): typeof FzstdLib => (fzstdLib ??= require('fzstd') as typeof FzstdLib);
/* eslint-enable @typescript-eslint/no-require-imports */
const snappyCompress = (data: Buffer): Buffer => snappy().compressSync(data);
const lz4CompressFrame = (data: Buffer): Buffer => lz4().compressFrameSync(data);

/** Which codec libraries have been loaded so far (what the tests check). */
export function loadedCodecLibraries(): string[] {
  const out: string[] = [];
  if (snappyLib) out.push('snappy');
  if (lz4Lib) out.push('lz4-napi');
  if (fzstdLib) out.push('fzstd');
  if (zstdWasm) out.push('zstd-wasm');
  return out;
}

export enum Compression {
  none = 0,
  gzip = 1,
  snappy = 2,
  lz4 = 3,
  zstd = 4,
}

/** Codec names as Kafka spells them (compression.type, client settings). */
export const COMPRESSION_NAMES: Record<Compression, string> = {
  [Compression.none]: 'none',
  [Compression.gzip]: 'gzip',
  [Compression.snappy]: 'snappy',
  [Compression.lz4]: 'lz4',
  [Compression.zstd]: 'zstd',
};

export function isKnownCompression(id: number): id is Compression {
  return Number.isInteger(id) && id >= Compression.none && id <= Compression.zstd;
}

/** Default ceiling on the bytes one decompression may produce. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export class DecompressionError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'DecompressionError';
  }
}

export interface CompressOptions {
  /** snappy only: 'raw' (the default, what librdkafka writes) or 'xerial' (what the Java client and kafka-python write). */
  snappyFraming?: 'xerial' | 'raw';
  /** gzip and zstd level (codec defaults otherwise). */
  level?: number;
}

// -------------------------------------------------------------- public API

export function compress(codec: Compression, data: Buffer, opts: CompressOptions = {}): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return zlib.gzipSync(data, opts.level === undefined ? {} : { level: opts.level });
    case Compression.snappy:
      return opts.snappyFraming === 'xerial' ? xerialCompress(data) : snappyCompress(data);
    case Compression.lz4:
      return lz4CompressFrame(data);
    case Compression.zstd:
      return zstdCompress(data, opts.level);
    default:
      throw new Error(`unknown compression type id ${codec as number}`);
  }
}

export function decompress(codec: Compression, data: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  switch (codec) {
    case Compression.none:
      if (data.length > maxBytes) throw tooLarge(maxBytes);
      return data;
    case Compression.gzip:
      return gunzip(data, maxBytes);
    case Compression.snappy:
      return isXerial(data) ? xerialDecompress(data, maxBytes) : snappyBlock(data, 0, data.length, maxBytes);
    case Compression.lz4:
      return lz4FrameDecompress(data, maxBytes);
    case Compression.zstd:
      return zstdDecompress(data, maxBytes);
    default:
      throw new DecompressionError('corrupt', `unknown compression type id ${codec as number}`);
  }
}

interface ZstdWasm {
  init(): Promise<void>;
  compress(buf: Uint8Array, level: number): Uint8Array;
  decompress(buf: Uint8Array, opts: { defaultHeapSize: number }): Uint8Array;
}
let zstdWasm: ZstdWasm | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads the zstd WASM module: compress() needs it for zstd, decompress()
 * uses it when loaded (else the pure-JS decoder). Idempotent; nothing calls
 * it at start (see the top of this file).
 */
export function loadCodecs(): Promise<void> {
  if (!loading) {
    loading = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('@bokuweb/zstd-wasm') as ZstdWasm;
      await mod.init();
      zstdWasm = mod;
    })();
  }
  return loading;
}

/** Waits until compressing `codec` (a Compression id, or a compression.type name) can run synchronously. */
export function loadCodecFor(codec: Compression | string): Promise<void> {
  return codec === Compression.zstd || codec === 'zstd' ? loadCodecs() : Promise.resolve();
}

/** True once compress() can write zstd without waiting. */
export function zstdLoaded(): boolean {
  return zstdWasm !== null;
}

// ------------------------------------------------------------------ gzip

function gunzip(data: Buffer, maxBytes: number): Buffer {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw tooLarge(maxBytes);
    throw new DecompressionError('corrupt', `gzip: ${e.message}`);
  }
}

// ---------------------------------------------------------------- snappy

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** xerial's default block size (SnappyOutputStream), which the Java client keeps. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function xerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // minimum compatible version
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = snappyCompress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

function xerialDecompress(data: Buffer, maxBytes: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (data.length - pos < 4) throw new DecompressionError('corrupt', 'snappy (xerial): truncated block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) throw new DecompressionError('corrupt', `snappy (xerial): block of ${len} bytes, ${data.length - pos} left`);
    const block = snappyBlock(data, pos, pos + len, maxBytes - total);
    total += block.length;
    out.push(block);
    pos += len;
  }
  return out.length === 1 ? out[0] : Buffer.concat(out, total);
}

/** One raw snappy block; its varint preamble (the uncompressed length) is checked against the bound first. */
function snappyBlock(data: Buffer, start: number, end: number, maxBytes: number): Buffer {
  let length = 0;
  let shift = 0;
  let pos = start;
  for (;;) {
    if (pos >= end || shift > 28) throw new DecompressionError('corrupt', 'snappy: bad length preamble');
    const b = data[pos++];
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  if (length > maxBytes) throw tooLarge(maxBytes);
  try {
    return snappy().uncompressSync(data.subarray(start, end), { asBuffer: true }) as Buffer;
  } catch (err) {
    throw new DecompressionError('corrupt', `snappy: ${(err as Error).message}`);
  }
}

// ------------------------------------------------------------------- lz4

const LZ4_MAGIC = 0x184d2204;
const LZ4_SKIPPABLE_MASK = 0xfffffff0;
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
const LZ4_BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

function lz4FrameDecompress(data: Buffer, maxBytes: number): Buffer {
  if (data.length < 7) throw new DecompressionError('corrupt', 'lz4: frame shorter than its header');
  const magic = data.readUInt32LE(0);
  if (magic !== LZ4_MAGIC) {
    const what = (magic & LZ4_SKIPPABLE_MASK) >>> 0 === LZ4_SKIPPABLE_MAGIC ? 'a skippable frame' : `magic 0x${magic.toString(16)}`;
    throw new DecompressionError('corrupt', `lz4: not an LZ4 frame (${what})`);
  }
  const flg = data[4];
  const bd = data[5];
  if (flg >> 6 !== 1) throw new DecompressionError('corrupt', `lz4: frame version ${flg >> 6}`);
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw new DecompressionError('corrupt', 'lz4: reserved bits set');
  if ((flg & 0x20) === 0) throw new DecompressionError('corrupt', 'lz4: dependent blocks are not supported (as in Kafka)');
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const hasContentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  const blockMax = LZ4_BLOCK_MAX[(bd >> 4) & 0x07];
  if (blockMax === undefined) throw new DecompressionError('corrupt', `lz4: block size id ${(bd >> 4) & 0x07}`);
  let pos = 6;
  if (hasContentSize) {
    if (data.length < pos + 8) throw new DecompressionError('corrupt', 'lz4: truncated content size');
    const declared = data.readBigUInt64LE(pos);
    if (declared > BigInt(maxBytes)) throw tooLarge(maxBytes);
    pos += 8;
  }
  if (hasDictId) pos += 4;
  if (data.length < pos + 1) throw new DecompressionError('corrupt', 'lz4: truncated frame descriptor');
  const hc = (xxh32(data, 4, pos) >>> 8) & 0xff;
  if (data[pos] !== hc) throw new DecompressionError('corrupt', 'lz4: frame descriptor checksum mismatch');
  pos += 1;

  const out: Buffer[] = [];
  let total = 0;
  for (;;) {
    if (data.length - pos < 4) throw new DecompressionError('corrupt', 'lz4: truncated block size (no end mark)');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break; // end mark
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw new DecompressionError('corrupt', `lz4: block of ${size} bytes exceeds the frame's maximum ${blockMax}`);
    if (data.length - pos < size + (blockChecksums ? 4 : 0)) throw new DecompressionError('corrupt', 'lz4: truncated block');
    if (blockChecksums && data.readUInt32LE(pos + size) !== xxh32(data, pos, pos + size)) {
      throw new DecompressionError('corrupt', 'lz4: block checksum mismatch');
    }
    let block: Buffer;
    if (stored) {
      block = data.subarray(pos, pos + size);
    } else {
      const room = Math.min(blockMax, maxBytes - total);
      block = lz4Block(data, pos, pos + size, room, room < blockMax);
    }
    total += block.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    out.push(block);
    pos += size + (blockChecksums ? 4 : 0);
  }
  if (hasContentChecksum && data.length - pos < 4) throw new DecompressionError('corrupt', 'lz4: truncated content checksum');
  return out.length === 1 ? out[0] : Buffer.concat(out, total);
}

/**
 * Decodes one independent LZ4 block into at most `room` bytes. Overrunning
 * `room` is 'too-large' when the room was cut by the caller's bound, else
 * corrupt (a block larger than the frame's block size).
 */
function lz4Block(src: Buffer, s: number, end: number, room: number, boundedByCaller: boolean): Buffer {
  const dst = Buffer.allocUnsafe(room);
  let d = 0;
  const overrun = (): DecompressionError =>
    boundedByCaller ? tooLarge(room) : new DecompressionError('corrupt', 'lz4: block decodes past the frame block size');
  while (s < end) {
    const token = src[s++];
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= end) throw new DecompressionError('corrupt', 'lz4: truncated literal length');
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (lit > end - s) throw new DecompressionError('corrupt', 'lz4: literals run past the block');
    if (lit > room - d) throw overrun();
    if (lit > 32) {
      src.copy(dst, d, s, s + lit);
      s += lit;
      d += lit;
    } else {
      for (let i = 0; i < lit; i++) dst[d++] = src[s++];
    }
    if (s === end) break; // the last sequence has literals only
    if (end - s < 2) throw new DecompressionError('corrupt', 'lz4: truncated match offset');
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new DecompressionError('corrupt', `lz4: match offset ${offset} outside the block`);
    let len = token & 0x0f;
    if (len === 15) {
      let b: number;
      do {
        if (s >= end) throw new DecompressionError('corrupt', 'lz4: truncated match length');
        b = src[s++];
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (len > room - d) throw overrun();
    let from = d - offset;
    if (offset >= len && len > 32) {
      dst.copyWithin(d, from, from + len);
      d += len;
    } else {
      for (let i = 0; i < len; i++) dst[d++] = dst[from++];
    }
  }
  return dst.subarray(0, d);
}

/** xxHash32 with seed 0 of buf[start, end). */
function xxh32(buf: Buffer, start: number, end: number): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P4 = 668265263;
  const P5 = 374761393;
  const len = end - start;
  let p = start;
  let h: number;
  const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
  if (len >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = -P1 | 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = round(v1, buf.readUInt32LE(p));
      v2 = round(v2, buf.readUInt32LE(p + 4));
      v3 = round(v3, buf.readUInt32LE(p + 8));
      v4 = round(v4, buf.readUInt32LE(p + 12));
      p += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + len) | 0;
  while (p + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(buf.readUInt32LE(p), P3)) | 0, 17), P4);
    p += 4;
  }
  while (p < end) {
    h = Math.imul(rotl((h + Math.imul(buf[p], P5)) | 0, 11), P1);
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

// ------------------------------------------------------------------ zstd

/** Largest output the WASM decoder is asked to hold. */
const ZSTD_WASM_MAX_OUTPUT = 64 * 1024 * 1024;

function zstdCompress(data: Buffer, level = 3): Buffer {
  if (!zstdWasm) throw new Error('zstd compression needs `await loadCodecs()` first');
  const out = zstdWasm.compress(data, level);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  if (data.length === 0) throw new DecompressionError('corrupt', 'zstd: no frame');
  const declared = zstdFrameContentSize(data);
  if (typeof declared === 'number' && declared > maxBytes) throw tooLarge(maxBytes);
  const room = declared ?? Math.min(maxBytes, ZSTD_WASM_MAX_OUTPUT);
  if (zstdWasm && declared !== undefined && room <= ZSTD_WASM_MAX_OUTPUT) {
    // libzstd in WASM, about 8x the pure-JS decoder: one shot into a buffer of
    // the declared size or, undeclared (librdkafka, zstd-jni), of the bound
    // (at most 64 MiB, so the WASM heap stays small and its allocation
    // cannot fail). Any failure, a larger output included, falls through to
    // the streaming decoder, which says why or finishes the job.
    try {
      const out = zstdWasm.decompress(data, { defaultHeapSize: room });
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch {
      // below
    }
  }
  // zstd data seen: have the WASM decoder ready for the next batch (the pure-JS one does this one)
  if (!zstdWasm) loadCodecs().catch(() => undefined);
  const out: Uint8Array[] = [];
  let total = 0;
  const stream = new (fzstd().Decompress)((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    out.push(chunk);
  });
  try {
    stream.push(data, true);
  } catch (err) {
    if (err instanceof DecompressionError) throw err;
    throw new DecompressionError('corrupt', `zstd: ${(err as Error).message}`);
  }
  return Buffer.concat(out, total);
}

/**
 * The content size the first zstd frame declares: a number, null when it
 * declares none, undefined when the header is not a well-formed frame header
 * (left to the streaming decoder to reject).
 */
function zstdFrameContentSize(data: Buffer): number | null | undefined {
  if (data.length < 6 || data.readUInt32LE(0) !== 0xfd2fb528) return undefined;
  const fhd = data[4];
  if ((fhd & 0x08) !== 0) return undefined; // reserved bit
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictIdSize = [0, 1, 2, 4][fhd & 3];
  const fcsSize = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag];
  const at = 5 + (singleSegment ? 0 : 1) + dictIdSize;
  if (data.length < at + fcsSize) return undefined;
  switch (fcsSize) {
    case 0:
      return null;
    case 1:
      return data[at];
    case 2:
      return data.readUInt16LE(at) + 256;
    case 4:
      return data.readUInt32LE(at);
    default:
      return Number(data.readBigUInt64LE(at));
  }
}

function tooLarge(maxBytes: number): DecompressionError {
  return new DecompressionError('too-large', `decompressed data exceeds ${maxBytes} bytes`);
}
