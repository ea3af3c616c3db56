/**
 * Producer-state snapshot files: `<20-digit offset>.snapshot` in the
 * partition directory hold the producer state as it was after every batch
 * below that offset (Kafka's `.snapshot` files, with a layout of our own).
 * Written whole with writeFileAtomic (tmp + fsync + rename).
 *
 * Layout (big-endian):
 *   magic    4 bytes "KTPS"
 *   version  int16   (1)
 *   crc      uint32  CRC-32C of everything after this field
 *   count    int32   number of producers
 *   per producer:
 *     producerId    int64
 *     epoch         int16
 *     lastTimestamp int64
 *     batchCount    int8   (0..5, oldest first)
 *     per batch: firstSeq int32, lastSeq int32, firstOffset int64, lastOffset int64, maxTimestamp int64
 *
 * Unlike Kafka (which keeps only the last batch per producer in its
 * snapshot) all five remembered batches are kept, so every retry still in a
 * producer's window is de-duplicated after a restart too.
 */
import { crc32c } from '../protocol/crc32c';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDir, writeFileAtomic } from './atomic-file';
import { NUM_BATCHES_TO_RETAIN, ProducerEntry } from './producer-state';

export const SNAPSHOT_SUFFIX = '.snapshot';
export const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;
const MAGIC = Buffer.from('KTPS', 'latin1');
const VERSION = 1;
const HEADER = 4 + 2 + 4;
const BATCH_SIZE = 4 + 4 + 8 + 8 + 8;
const ENTRY_FIXED = 8 + 2 + 8 + 1;

export class CorruptSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSnapshotError';
  }
}

export function snapshotFileName(offset: number): string {
  return String(offset).padStart(20, '0') + SNAPSHOT_SUFFIX;
}

export function encodeSnapshot(entries: readonly ProducerEntry[]): Buffer {
  let size = HEADER + 4;
  for (const e of entries) size += ENTRY_FIXED + e.batches.length * BATCH_SIZE;
  const buf = Buffer.alloc(size);
  MAGIC.copy(buf, 0);
  buf.writeInt16BE(VERSION, 4);
  let p = HEADER;
  buf.writeInt32BE(entries.length, p);
  p += 4;
  for (const e of entries) {
    buf.writeBigInt64BE(e.producerId, p);
    buf.writeInt16BE(e.epoch, p + 8);
    buf.writeBigInt64BE(BigInt(e.lastTimestamp), p + 10);
    buf.writeInt8(e.batches.length, p + 18);
    p += ENTRY_FIXED;
    for (const b of e.batches) {
      buf.writeInt32BE(b.firstSeq, p);
      buf.writeInt32BE(b.lastSeq, p + 4);
      buf.writeBigInt64BE(BigInt(b.firstOffset), p + 8);
      buf.writeBigInt64BE(BigInt(b.lastOffset), p + 16);
      buf.writeBigInt64BE(BigInt(b.maxTimestamp), p + 24);
      p += BATCH_SIZE;
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(HEADER)), 6);
  return buf;
}

export function decodeSnapshot(buf: Buffer): ProducerEntry[] {
  if (buf.length < HEADER + 4) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is too short`);
  if (!buf.subarray(0, 4).equals(MAGIC)) throw new CorruptSnapshotError('not a producer snapshot (bad magic)');
  const version = buf.readInt16BE(4);
  if (version !== VERSION) throw new CorruptSnapshotError(`unknown snapshot version ${version}`);
  const stored = buf.readUInt32BE(6);
  const computed = crc32c(buf.subarray(HEADER));
  if (stored !== computed) throw new CorruptSnapshotError(`snapshot CRC ${stored} does not match the computed ${computed}`);
  const count = buf.readInt32BE(HEADER);
  let p = HEADER + 4;
  const out: ProducerEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + ENTRY_FIXED > buf.length) throw new CorruptSnapshotError(`snapshot ends inside producer ${i}`);
    const producerId = buf.readBigInt64BE(p);
    const epoch = buf.readInt16BE(p + 8);
    const lastTimestamp = Number(buf.readBigInt64BE(p + 10));
    const n = buf.readInt8(p + 18);
    p += ENTRY_FIXED;
    if (n < 0 || n > NUM_BATCHES_TO_RETAIN || p + n * BATCH_SIZE > buf.length) {
      throw new CorruptSnapshotError(`producer ${producerId}: ${n} batches do not fit the snapshot`);
    }
    const batches = [];
    for (let j = 0; j < n; j++) {
      batches.push({
        firstSeq: buf.readInt32BE(p),
        lastSeq: buf.readInt32BE(p + 4),
        firstOffset: Number(buf.readBigInt64BE(p + 8)),
        lastOffset: Number(buf.readBigInt64BE(p + 16)),
        maxTimestamp: Number(buf.readBigInt64BE(p + 24)),
      });
      p += BATCH_SIZE;
    }
    out.push({ producerId, epoch, lastTimestamp, batches });
  }
  if (p !== buf.length) throw new CorruptSnapshotError(`${buf.length - p} bytes after the last producer`);
  return out;
}

/**
 * Writes an encoded snapshot (encode first, synchronously, to capture the
 * state of one moment). With `sync` false the file is renamed into place
 * without an fsync (call syncSnapshot later), as Kafka writes the snapshot
 * at a roll and flushes it in the background: a process kill cannot leave a
 * partial file (the rename is atomic), and what an OS crash may leave fails
 * the CRC and is ignored.
 */
export async function writeSnapshot(dir: string, offset: number, data: Buffer, sync = true): Promise<void> {
  const target = path.join(dir, snapshotFileName(offset));
  if (sync) {
    await writeFileAtomic(target, data);
    return;
  }
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** fsyncs a snapshot written with sync false, and its directory (nothing if it was deleted meanwhile). */
export async function syncSnapshot(dir: string, offset: number): Promise<void> {
  let fh;
  try {
    fh = await fsp.open(path.join(dir, snapshotFileName(offset)), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDir(dir);
}

export async function readSnapshot(dir: string, offset: number): Promise<ProducerEntry[]> {
  return decodeSnapshot(await fsp.readFile(path.join(dir, snapshotFileName(offset))));
}

export async function deleteSnapshot(dir: string, offset: number): Promise<void> {
  await fsp.rm(path.join(dir, snapshotFileName(offset)), { force: true });
}
