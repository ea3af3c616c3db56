/**
 * Idempotent-producer state of one partition, as Kafka's
 * ProducerStateManager / ProducerStateEntry / ProducerAppendInfo keep it:
 * per producer id its epoch and the sequence and offset ranges of its last
 * five batches (a producer has at most five requests in flight, so a retry
 * is always one of them).
 *
 * The rules, checked for each batch with a producer id, in append order:
 * - same epoch and exactly the sequence range of one of the last five
 *   batches: a duplicate, answered with that batch's offsets, not written;
 * - epoch below the known one: InvalidProducerEpochError (Kafka's
 *   INVALID_PRODUCER_EPOCH since 2.7);
 * - a new epoch of a known producer must start at sequence 0, otherwise
 *   OutOfOrderSequenceError;
 * - same epoch: the first sequence must follow the last one (wrapping from
 *   Int32.MAX to 0), otherwise OutOfOrderSequenceError;
 * - a producer id not known here may start at any sequence (state lost to
 *   retention or expiry must not fence a live producer: KIP-360).
 *
 * Appends are validated when they enter the log's write queue, before they
 * are written, so the manager keeps two layers: `committed` (batches that
 * are in the segment files; what snapshots and DescribeProducers show) and
 * `pending` (the projection after the batches still queued). A written
 * batch moves from pending to committed (commitStaged); a failed write
 * discards every pending batch (the log rejects them all).
 */

export const NUM_BATCHES_TO_RETAIN = 5;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
const INT32_MAX = 2147483647;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  /** The batch's max timestamp (Kafka's BatchMetadata.timestamp). */
  maxTimestamp: number;
}

export interface ProducerEntry {
  producerId: bigint;
  epoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  /** Max timestamp of the producer's last batch (what expiry compares, as Kafka). */
  lastTimestamp: number;
}

/** What the state needs of a batch: its producer fields and the offsets it got. */
export interface ProducerBatch extends BatchMetadata {
  producerId: bigint;
  epoch: number;
}

export class OutOfOrderSequenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfOrderSequenceError';
  }
}

export class InvalidProducerEpochError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProducerEpochError';
  }
}

/** The last sequence of a batch of `count` records starting at `baseSeq` (wraps past Int32.MAX as Kafka's incrementSequence). */
export function lastSequence(baseSeq: number, lastOffsetDelta: number): number {
  if (baseSeq > INT32_MAX - lastOffsetDelta) return lastOffsetDelta - (INT32_MAX - baseSeq) - 1;
  return baseSeq + lastOffsetDelta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

function cloneEntry(e: ProducerEntry): ProducerEntry {
  return { producerId: e.producerId, epoch: e.epoch, batches: e.batches.slice(), lastTimestamp: e.lastTimestamp };
}

/** Adds a batch to an entry (a new epoch clears the remembered batches), as ProducerStateEntry.addBatch. */
function addBatch(e: ProducerEntry, b: ProducerBatch): void {
  if (e.epoch !== b.epoch) {
    e.batches = [];
    e.epoch = b.epoch;
  }
  if (e.batches.length === NUM_BATCHES_TO_RETAIN) e.batches.shift();
  e.batches.push({ firstSeq: b.firstSeq, lastSeq: b.lastSeq, firstOffset: b.firstOffset, lastOffset: b.lastOffset, maxTimestamp: b.maxTimestamp });
  e.lastTimestamp = b.maxTimestamp;
}

function emptyEntry(producerId: bigint): ProducerEntry {
  return { producerId, epoch: NO_PRODUCER_EPOCH, batches: [], lastTimestamp: -1 };
}

/** The outcome of validating the producer batches of one append. */
export type ProducerCheck = { kind: 'ok' } | { kind: 'duplicate'; batch: BatchMetadata };
const OK: ProducerCheck = Object.freeze({ kind: 'ok' });

export class ProducerStateManager {
  private readonly committed = new Map<bigint, ProducerEntry>();
  private readonly pending = new Map<bigint, { entry: ProducerEntry; count: number }>();

  constructor(private readonly partitionName: string = '') {}

  /** The newest state of a producer, queued batches included. */
  lastEntry(producerId: bigint): ProducerEntry | undefined {
    return this.pending.get(producerId)?.entry ?? this.committed.get(producerId);
  }

  /** Producers whose batches are in the log (what snapshots and DescribeProducers show). */
  activeProducers(): ProducerEntry[] {
    return [...this.committed.values()];
  }

  get size(): number {
    return this.committed.size;
  }

  /**
   * Validates the producer batches of one append in order (without changing
   * anything). A duplicate of any of them answers the whole append, as in
   * Kafka's analyzeAndValidateProducerState; errors are thrown.
   */
  check(batches: readonly ProducerBatch[]): ProducerCheck {
    if (batches.length === 1) return this.checkOne(batches[0], this.lastEntry(batches[0].producerId));
    const scratch = new Map<bigint, ProducerEntry>();
    for (const b of batches) {
      const current = scratch.get(b.producerId) ?? this.lastEntry(b.producerId);
      const r = this.checkOne(b, current);
      if (r.kind === 'duplicate') return r;
      const next = current ? cloneEntry(current) : emptyEntry(b.producerId);
      addBatch(next, b);
      scratch.set(b.producerId, next);
    }
    return OK;
  }

  /** One batch against the producer's current entry (undefined: a producer not known here). */
  private checkOne(b: ProducerBatch, current: ProducerEntry | undefined): ProducerCheck {
    const epoch = current ? current.epoch : NO_PRODUCER_EPOCH;
    if (current && epoch === b.epoch) {
      for (const m of current.batches) if (m.firstSeq === b.firstSeq && m.lastSeq === b.lastSeq) return { kind: 'duplicate', batch: m };
    }
    const where = () => `producer ${b.producerId} at offset ${b.firstOffset} in ${this.partitionName}`;
    if (b.epoch < epoch) {
      throw new InvalidProducerEpochError(`Epoch of ${where()} is ${b.epoch}, which is smaller than the last seen epoch ${epoch}`);
    }
    if (b.epoch !== epoch) {
      if (b.firstSeq !== 0 && epoch !== NO_PRODUCER_EPOCH) {
        throw new OutOfOrderSequenceError(
          `Invalid sequence number for new epoch of ${where()}: ${b.epoch} (request epoch), ${b.firstSeq} (seq. number), ${epoch} (current producer epoch)`,
        );
      }
      return OK;
    }
    const n = current ? current.batches.length : 0;
    const lastSeq = n > 0 ? current!.batches[n - 1].lastSeq : NO_SEQUENCE;
    if (epoch !== NO_PRODUCER_EPOCH && !inSequence(lastSeq, b.firstSeq)) {
      throw new OutOfOrderSequenceError(
        `Out of order sequence number for ${where()}: ${b.firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
      );
    }
    return OK;
  }

  /** Records validated batches that entered the write queue (in order). */
  stage(batches: readonly ProducerBatch[]): void {
    for (const b of batches) {
      let p = this.pending.get(b.producerId);
      if (!p) {
        const base = this.committed.get(b.producerId);
        p = { entry: base ? cloneEntry(base) : emptyEntry(b.producerId), count: 0 };
        this.pending.set(b.producerId, p);
      }
      addBatch(p.entry, b);
      p.count++;
    }
  }

  /** A staged batch was written: it becomes committed state. */
  commitStaged(b: ProducerBatch): void {
    this.applyCommitted(b);
    const p = this.pending.get(b.producerId);
    if (p && --p.count <= 0) this.pending.delete(b.producerId);
  }

  /** Every staged batch was rejected (a failed write): forget them. */
  discardStaged(): void {
    this.pending.clear();
  }

  /** Adds a batch found in the log (recovery replay): no checks, as Kafka's REPLICATION origin. */
  applyCommitted(b: ProducerBatch): void {
    let e = this.committed.get(b.producerId);
    if (!e) {
      e = emptyEntry(b.producerId);
      this.committed.set(b.producerId, e);
    }
    addBatch(e, b);
  }

  /** Replaces the committed state (snapshot load). */
  load(entries: readonly ProducerEntry[]): void {
    this.committed.clear();
    this.pending.clear();
    for (const e of entries) this.committed.set(e.producerId, cloneEntry(e));
  }

  /**
   * Forgets producers whose last batch's timestamp is `expirationMs` or more
   * before `nowMs` (producer.id.expiration.ms, compared with the batch
   * timestamp as Kafka does); producers with queued batches stay.
   * Returns how many were removed.
   */
  removeExpired(nowMs: number, expirationMs: number): number {
    let n = 0;
    for (const [id, e] of this.committed) {
      if (this.pending.has(id)) continue;
      if (nowMs - e.lastTimestamp >= expirationMs) {
        this.committed.delete(id);
        n++;
      }
    }
    return n;
  }
}
