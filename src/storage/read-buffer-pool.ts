/**
 * Reusable read buffers for the Fetch path.
 *
 * A Fetch reads record data into buffers sized to its max_bytes, and the
 * answer hands slices of them to the socket. Allocating fresh ones for every
 * Fetch means hundreds of MB/s of short-lived external memory that V8
 * collects late (major GCs, new pages faulted in and zeroed by the kernel).
 * Instead a read takes its buffers from this pool through a `ReadLease`, and
 * the connection gives the lease back once the socket has written the answer
 * (`releaseWhenWritten`). Safety rests on two rules:
 *
 * - a buffer returns to the pool only through `ReadLease.release()`, which the
 *   connection calls from the write callback of the answer's last chunk,
 *   that is after the socket (and the kernel) are done with every chunk of
 *   it; a lease released twice gives its buffers back once;
 * - a lease that is never released (the answer was dropped, the socket
 *   closed, the read failed) simply leaves its buffers to the garbage
 *   collector: the pool holds only free buffers, never leased ones.
 *
 * The pool keeps at most `maxFreeBytes` of free buffers, in size classes
 * (powers of two up to 1 MiB, then whole MiB) so reads of similar sizes share
 * them; a read larger than `maxBufferBytes` gets a buffer of its own that is
 * never pooled.
 */

const MIN_CLASS = 64 * 1024;
const MIB = 1024 * 1024;

/** The capacity of the pooled buffer a read of `n` bytes gets. */
export function sizeClass(n: number): number {
  if (n <= MIN_CLASS) return MIN_CLASS;
  if (n <= MIB) return 2 ** Math.ceil(Math.log2(n));
  return Math.ceil(n / MIB) * MIB;
}

export class ReadBufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;
  /** Lease of each leased buffer's memory, so a chunk written to a socket leads back to its lease. */
  private readonly leaseOf = new WeakMap<ArrayBufferLike, ReadLease>();

  constructor(
    readonly maxFreeBytes = 64 * MIB,
    readonly maxBufferBytes = 32 * MIB,
  ) {}

  /** Bytes held in free buffers. */
  get idleBytes(): number {
    return this.freeBytes;
  }

  lease(): ReadLease {
    return new ReadLease(this);
  }

  /** @internal A buffer of capacity >= n, for `lease`. */
  take(n: number, lease: ReadLease): Buffer {
    let buf: Buffer | undefined;
    if (n <= this.maxBufferBytes) {
      const size = sizeClass(n);
      buf = this.free.get(size)?.pop();
      if (buf) this.freeBytes -= buf.length;
      else buf = Buffer.allocUnsafeSlow(size);
    } else {
      buf = Buffer.allocUnsafeSlow(n);
    }
    this.leaseOf.set(buf.buffer, lease);
    return buf;
  }

  /** @internal Takes a released buffer back, or leaves it to the GC when the pool is full. */
  give(buf: Buffer): void {
    this.leaseOf.delete(buf.buffer);
    if (buf.length > this.maxBufferBytes || sizeClass(buf.length) !== buf.length) return;
    if (this.freeBytes + buf.length > this.maxFreeBytes) return;
    let list = this.free.get(buf.length);
    if (!list) this.free.set(buf.length, (list = []));
    list.push(buf);
    this.freeBytes += buf.length;
  }

  /**
   * A write callback that releases the leases of the pooled buffers among
   * `chunks` once called without an error (after a failed write the buffers
   * are left to the GC), or undefined when no chunk is from this pool.
   */
  releaseWhenWritten(chunks: readonly Buffer[]): ((err?: Error | null) => void) | undefined {
    let leases: ReadLease[] | undefined;
    for (const c of chunks) {
      const l = this.leaseOf.get(c.buffer);
      if (l && !leases?.includes(l)) (leases ??= []).push(l);
    }
    if (!leases) return undefined;
    const ls = leases;
    return (err) => {
      if (err) return;
      for (const l of ls) l.release();
    };
  }
}

/** The buffers one read took from the pool; released together. */
export class ReadLease {
  private bufs: Buffer[] = [];
  private released = false;

  constructor(private readonly pool: ReadBufferPool) {}

  /** A buffer of exactly n bytes (a view of a pooled one) for the read to fill. */
  alloc(n: number): Buffer {
    if (this.released) throw new Error('read lease already released');
    const buf = this.pool.take(n, this);
    this.bufs.push(buf);
    return buf.length === n ? buf : buf.subarray(0, n);
  }

  /** Gives every buffer back to the pool; nothing may use them afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const b of this.bufs) this.pool.give(b);
    this.bufs = [];
  }
}

/** The broker's pool for Fetch reads (one per process: buffers are plain memory). */
export const fetchReadPool = new ReadBufferPool();
