/**
 * The log cleaner's key -> latest offset map (Kafka's SkimpyOffsetMap): an
 * open-addressing hash table over typed arrays that stores a 64-bit hash of
 * each key (two independent 32-bit MurmurHash3 values) plus the key length,
 * never the key itself, so its memory is fixed per entry (16 bytes) whatever
 * the keys look like. As in Kafka, two keys with the same hash count as the
 * same key; with 64 bits (and the length) that needs ~4 billion keys in one
 * pass to become likely, Kafka's MD5 makes the same trade with 128.
 *
 * The table starts small and doubles up to `maxBytes` (the broker's
 * log.cleaner.dedupe.buffer.size); `full` says when the next batch would not
 * fit at the load factor, and the cleaner then ends the pass there.
 */

const ENTRY_BYTES = 16;
const LOAD_FACTOR = 0.9;
const INITIAL_SLOTS = 1 << 12;

export class OffsetMap {
  private slots: number;
  private h1: Int32Array;
  private h2: Int32Array;
  private len: Int32Array;
  /** Offset + 1 (0 = empty slot). */
  private off: Float64Array;
  private entries = 0;
  private readonly maxSlots: number;
  /** Largest offset put since clear() (-1 when none). */
  latestOffset = -1;

  constructor(maxBytes: number) {
    let max = INITIAL_SLOTS;
    while (max * 2 * ENTRY_BYTES <= maxBytes) max *= 2;
    this.maxSlots = max;
    this.slots = Math.min(INITIAL_SLOTS, max);
    this.h1 = new Int32Array(this.slots);
    this.h2 = new Int32Array(this.slots);
    this.len = new Int32Array(this.slots);
    this.off = new Float64Array(this.slots);
  }

  get size(): number {
    return this.entries;
  }

  /** Keys the map can hold at most. */
  get capacity(): number {
    return Math.floor(this.maxSlots * LOAD_FACTOR);
  }

  /** Fraction of the maximum capacity in use. */
  get utilization(): number {
    return this.entries / this.capacity;
  }

  /** Would `more` new keys still fit? */
  canTake(more: number): boolean {
    return this.entries + more <= this.capacity;
  }

  clear(): void {
    this.entries = 0;
    this.latestOffset = -1;
    if (this.slots > INITIAL_SLOTS) {
      this.slots = INITIAL_SLOTS;
      this.h1 = new Int32Array(this.slots);
      this.h2 = new Int32Array(this.slots);
      this.len = new Int32Array(this.slots);
      this.off = new Float64Array(this.slots);
    } else {
      this.off.fill(0);
    }
  }

  /** Records `offset` as the latest for the key at buf[start, end). */
  put(buf: Buffer, start: number, end: number, offset: number): void {
    const a = murmur3(buf, start, end, 0x9747b28c);
    const b = murmur3(buf, start, end, 0x5bd1e995);
    const l = end - start;
    let i = this.find(a, b, l);
    if (this.off[i] === 0) {
      if (this.entries + 1 > this.slots * LOAD_FACTOR) {
        if (this.slots >= this.maxSlots) throw new Error('offset map is full');
        this.grow();
        i = this.find(a, b, l);
      }
      this.h1[i] = a;
      this.h2[i] = b;
      this.len[i] = l;
      this.entries++;
    }
    this.off[i] = offset + 1;
    if (offset > this.latestOffset) this.latestOffset = offset;
  }

  /** The latest offset recorded for the key, or -1. */
  get(buf: Buffer, start: number, end: number): number {
    const a = murmur3(buf, start, end, 0x9747b28c);
    const b = murmur3(buf, start, end, 0x5bd1e995);
    return this.off[this.find(a, b, end - start)] - 1;
  }

  /** The slot holding (a, b, l), or the empty slot where it would go. */
  private find(a: number, b: number, l: number): number {
    const mask = this.slots - 1;
    let i = (a ^ Math.imul(b, 0x27d4eb2d)) & mask;
    for (;;) {
      if (this.off[i] === 0) return i;
      if (this.h1[i] === a && this.h2[i] === b && this.len[i] === l) return i;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { h1, h2, len, off } = this;
    const old = this.slots;
    this.slots = Math.min(old * 2, this.maxSlots);
    this.h1 = new Int32Array(this.slots);
    this.h2 = new Int32Array(this.slots);
    this.len = new Int32Array(this.slots);
    this.off = new Float64Array(this.slots);
    for (let i = 0; i < old; i++) {
      if (off[i] === 0) continue;
      const j = this.find(h1[i], h2[i], len[i]);
      this.h1[j] = h1[i];
      this.h2[j] = h2[i];
      this.len[j] = len[i];
      this.off[j] = off[i];
    }
  }
}

/** MurmurHash3 x86 32-bit of buf[start, end). */
export function murmur3(buf: Buffer, start: number, end: number, seed: number): number {
  let h = seed | 0;
  const n = end - start;
  const blocks = start + (n & ~3);
  let i = start;
  for (; i < blocks; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= buf[i + 2] << 16;
    if (tail >= 2) k ^= buf[i + 1] << 8;
    k ^= buf[i];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
