/**
 * The two sparse per-segment indexes, held in memory in exactly their file
 * format (big-endian, like Kafka) so persisting is a slice write:
 *
 *   .index      8-byte entries: int32 offset relative to the segment base, int32 file position
 *   .timeindex 12-byte entries: int64 timestamp, int32 relative offset
 *
 * Offset index entry (rel, pos): the batch at `pos` has base offset base+rel.
 * Time index entry (ts, rel): the segment's max timestamp became ts with the
 * batch whose base offset is base+rel; every batch before it holds only
 * smaller timestamps. Both are strictly increasing in both columns (the time
 * index's offsets only non-decreasing).
 */

export const OFFSET_ENTRY = 8;
export const TIME_ENTRY = 12;
export const INT32_MAX = 0x7fffffff;

class GrowableEntries {
  protected data: Buffer;
  count = 0;

  constructor(
    protected readonly entrySize: number,
    initial?: Buffer,
  ) {
    if (initial && initial.length > 0) {
      this.data = Buffer.from(initial);
      this.count = Math.floor(initial.length / entrySize);
    } else {
      this.data = Buffer.alloc(entrySize * 16);
    }
  }

  /** Bytes of entries (= the file size when persisted). */
  get bytes(): number {
    return this.count * this.entrySize;
  }

  /** The entries in file format (a view; copy before keeping). */
  contents(): Buffer {
    return this.data.subarray(0, this.bytes);
  }

  /** Appends raw entries (already in file format). */
  appendRaw(raw: Buffer): void {
    if (raw.length === 0) return;
    const need = this.bytes + raw.length;
    if (need > this.data.length) {
      const grown = Buffer.alloc(Math.max(need, this.data.length * 2));
      this.data.copy(grown, 0, 0, this.bytes);
      this.data = grown;
    }
    raw.copy(this.data, this.bytes);
    this.count += raw.length / this.entrySize;
  }

  /** Index of the last entry whose key <= target, or -1. */
  protected floor(target: number, key: (i: number) => number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (key(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

export class OffsetIndex extends GrowableEntries {
  constructor(initial?: Buffer) {
    super(OFFSET_ENTRY, initial);
  }

  relOffset(i: number): number {
    return this.data.readInt32BE(i * OFFSET_ENTRY);
  }
  position(i: number): number {
    return this.data.readInt32BE(i * OFFSET_ENTRY + 4);
  }

  /** File position to start scanning from for relative offset `rel` (0 when no entry is at or below). */
  lookup(rel: number): number {
    const i = this.floor(rel, (k) => this.relOffset(k));
    return i < 0 ? 0 : this.position(i);
  }

  static encode(entries: number[]): Buffer {
    const out = Buffer.allocUnsafe((entries.length / 2) * OFFSET_ENTRY);
    for (let i = 0; i < entries.length; i += 2) {
      out.writeInt32BE(entries[i], i * 4);
      out.writeInt32BE(entries[i + 1], i * 4 + 4);
    }
    return out;
  }

  /**
   * Why this file content cannot be this segment's index, or null if it can:
   * whole entries, offsets and positions strictly increasing, offsets within
   * [0, endRel), positions inside the log.
   */
  static problem(buf: Buffer, logSize: number, endRel: number): string | null {
    if (buf.length % OFFSET_ENTRY !== 0) return `size ${buf.length} is not a multiple of ${OFFSET_ENTRY}`;
    let prevRel = -1;
    let prevPos = -1;
    for (let p = 0; p < buf.length; p += OFFSET_ENTRY) {
      const rel = buf.readInt32BE(p);
      const pos = buf.readInt32BE(p + 4);
      if (rel <= prevRel || pos <= prevPos) return `entry ${p / OFFSET_ENTRY} (${rel}, ${pos}) does not increase`;
      if (rel < 0 || rel >= endRel) return `entry ${p / OFFSET_ENTRY} offset ${rel} outside the segment`;
      if (pos >= logSize) return `entry ${p / OFFSET_ENTRY} position ${pos} past the end of the log (${logSize})`;
      prevRel = rel;
      prevPos = pos;
    }
    return null;
  }
}

export class TimeIndex extends GrowableEntries {
  constructor(initial?: Buffer) {
    super(TIME_ENTRY, initial);
  }

  timestamp(i: number): number {
    return Number(this.data.readBigInt64BE(i * TIME_ENTRY));
  }
  relOffset(i: number): number {
    return this.data.readInt32BE(i * TIME_ENTRY + 8);
  }

  /** Timestamp of the last entry, -1 when empty. */
  get lastTimestamp(): number {
    return this.count === 0 ? -1 : this.timestamp(this.count - 1);
  }
  get lastRelOffset(): number {
    return this.count === 0 ? -1 : this.relOffset(this.count - 1);
  }

  /** Relative offset of the last entry with timestamp <= ts, or -1. */
  lookup(ts: number): number {
    const i = this.floor(ts, (k) => this.timestamp(k));
    return i < 0 ? -1 : this.relOffset(i);
  }

  static encode(entries: number[]): Buffer {
    const out = Buffer.allocUnsafe((entries.length / 2) * TIME_ENTRY);
    for (let i = 0, p = 0; i < entries.length; i += 2, p += TIME_ENTRY) {
      out.writeBigInt64BE(BigInt(entries[i]), p);
      out.writeInt32BE(entries[i + 1], p + 8);
    }
    return out;
  }

  static problem(buf: Buffer, endRel: number): string | null {
    if (buf.length % TIME_ENTRY !== 0) return `size ${buf.length} is not a multiple of ${TIME_ENTRY}`;
    let prevTs = Number.NEGATIVE_INFINITY;
    let prevRel = -1;
    for (let p = 0; p < buf.length; p += TIME_ENTRY) {
      const ts = Number(buf.readBigInt64BE(p));
      const rel = buf.readInt32BE(p + 8);
      if (ts <= prevTs || rel < prevRel) return `entry ${p / TIME_ENTRY} (${ts}, ${rel}) does not increase`;
      if (ts < 0) return `entry ${p / TIME_ENTRY} has negative timestamp ${ts}`;
      if (rel < 0 || rel >= endRel) return `entry ${p / TIME_ENTRY} offset ${rel} outside the segment`;
      prevTs = ts;
      prevRel = rel;
    }
    return null;
  }
}
