/**
 * The log of one partition: a directory `<topic>-<partition>/` of segments
 * (segment.ts), laid out like Kafka's.
 *
 * Appends assign offsets synchronously, in call order, by patching each
 * batch's baseOffset and partitionLeaderEpoch (the bytes are otherwise
 * untouched). Every append of one event-loop turn is gathered into one
 * positional writev, scheduled with setImmediate; appends made while a write
 * is in flight wait for the next one (group commit). When a write completes
 * (and is fsynced, if flush.messages asks for it) the high watermark moves to
 * its end, the appends resolve and onAppend fires.
 *
 * A failed write is cut off the files again; that append and every append
 * queued behind it (their offsets followed the failed ones) are rejected and
 * the log end offset goes back to the high watermark, so later appends land
 * exactly where they belong. If the files cannot be put back in order, the
 * log refuses further appends.
 *
 * Idempotent producers (producer-state.ts): each batch with a producer id is
 * checked against the producer state when it enters the queue, so pipelined
 * appends are validated in their order; a duplicate is answered with the
 * offsets the original got (once the original is written) and is not
 * written again. The state of a batch becomes committed when its write
 * completes and is dropped with it when the write fails. Snapshots of the
 * committed state (producer-snapshot.ts) are written at each segment roll
 * and at close; open() loads the newest valid one at or below the log end
 * and replays the batches after it.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import {
  ATTR_LOG_APPEND_TIME,
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  Off,
  readInt64Number,
  recordsOf,
  writeInt64Number,
} from '../protocol/record-batch';
import { fsyncDir, writeFileAtomic } from './atomic-file';
import { recoverCleanerFiles } from './cleaner-files';
import { FileCursor, ReadAlloc } from './file-io';
import { INT32_MAX } from './indexes';
import { LogConfig, SILENT_LOGGER, StorageLogger } from './log-config';
import { CorruptSnapshotError, deleteSnapshot, encodeSnapshot, readSnapshot, SNAPSHOT_FILE, syncSnapshot, writeSnapshot } from './producer-snapshot';
import { BatchMetadata, lastSequence, ProducerBatch, ProducerStateManager } from './producer-state';
import {
  BatchHeaderInfo,
  F_BATCH_LENGTH,
  F_LAST_OFFSET_DELTA,
  F_MAX_TIMESTAMP,
  F_RECORD_COUNT,
  LogSegment,
  PendingBatch,
  StorageFatalError,
} from './segment';

export class OffsetOutOfRangeError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'OffsetOutOfRangeError';
  }
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  logStartOffset: number;
  /** Set when the append was a retried duplicate of this already written batch (nothing was written). */
  duplicate?: BatchMetadata;
}

export interface ReadResult {
  records: Buffer[];
  highWatermark: number;
  logStartOffset: number;
}

interface AppendRequest {
  kind: 'append';
  batches: PendingBatch[];
  size: number;
  baseOffset: number;
  lastOffset: number;
  records: number;
  /** The producer batches of this append, committed to the producer state once written. */
  producerBatches: ProducerBatch[];
  resolve(r: AppendResult): void;
  reject(err: unknown): void;
}

/** A duplicate of a batch still queued: answered once everything before it is written. */
interface WaitRequest {
  kind: 'wait';
  resolve(): void;
  reject(err: unknown): void;
}

interface RollRequest {
  kind: 'roll';
  /** Roll only if this is still the active segment. */
  segmentBase: number;
  resolve(): void;
  reject(err: unknown): void;
}

type Pending = AppendRequest | RollRequest | WaitRequest;

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;

/**
 * The log start offset moved by DeleteRecords, kept in the partition
 * directory (Kafka keeps all of a data directory's in one
 * log-start-offset-checkpoint file) and rewritten atomically on each move.
 */
export const LOG_START_OFFSET_FILE = 'log-start-offset';

export interface OpenOptions {
  /**
   * The log was closed cleanly (LogManager's clean-shutdown marker): the
   * active segment's indexes are trusted and only its tail is validated.
   * Default false: the whole active segment is validated.
   */
  cleanShutdown?: boolean;
}

export class PartitionLog {
  /** Called after each completed write that advanced the high watermark. */
  onAppend: (() => void) | null = null;
  /** Idempotent producers' sequence state (see producer-state.ts). */
  readonly producers: ProducerStateManager;
  /** Offsets of the producer snapshots in the directory, ascending. */
  private snapshotOffsets: number[] = [];
  private snapshotWrites: Promise<void> = Promise.resolve();
  private snapshotSyncs: Promise<void> = Promise.resolve();

  private cfg: LogConfig;
  private leo: number;
  private hwm: number;
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;
  private idleWaiters: (() => void)[] = [];
  private unflushedRecords = 0;
  private closing = false;
  private closePromise: Promise<void> | null = null;
  /** Set when a failed write could not be undone: the log takes no more appends. */
  private failure: Error | null = null;
  private retentionRunning: Promise<unknown> = Promise.resolve();
  private rollRequestedFor = -1;
  private cleanClose = false;
  /** Log start offset set by deleteRecordsBefore (the first segment's base offset may be lower). */
  private deletedBefore = 0;

  private constructor(
    readonly dir: string,
    config: LogConfig,
    private readonly logger: StorageLogger,
    /** Ordered by base offset; the last one is active. Never empty. */
    private readonly segments: LogSegment[],
  ) {
    this.cfg = config;
    this.leo = this.active.endOffset;
    this.hwm = this.leo;
    this.producers = new ProducerStateManager(path.basename(dir));
  }

  /** Opens (creating if missing) the log in `dir` and recovers it. */
  static async open(
    dir: string,
    config: LogConfig,
    logger: StorageLogger = SILENT_LOGGER,
    options: OpenOptions = {},
  ): Promise<PartitionLog> {
    await fsp.mkdir(dir, { recursive: true });
    let names = await fsp.readdir(dir);
    const logBases = new Set<number>();
    const indexFiles: { base: number; name: string }[] = [];
    const snapshots: number[] = [];
    let removed = false as boolean;
    // a log cleaner pass interrupted by a crash: finish or undo it first (log-cleaner.ts)
    if (await recoverCleanerFiles(dir, names, logger)) {
      removed = true;
      names = await fsp.readdir(dir);
    }
    for (const name of names) {
      if (name.endsWith('.tmp') || name.endsWith('.deleted')) {
        logger.info({ dir, file: name }, 'removing leftover file');
        await fsp.rm(path.join(dir, name), { force: true });
        removed = true;
        continue;
      }
      const snap = SNAPSHOT_FILE.exec(name);
      if (snap) snapshots.push(Number(snap[1]));
      const m = SEGMENT_FILE.exec(name);
      if (!m) continue;
      const base = Number(m[1]);
      if (m[2] === 'log') logBases.add(base);
      else indexFiles.push({ base, name });
    }
    for (const f of indexFiles) {
      if (logBases.has(f.base)) continue;
      logger.info({ dir, file: f.name }, 'removing index file without a log segment');
      await fsp.rm(path.join(dir, f.name), { force: true });
      removed = true;
    }
    const bases = [...logBases].sort((a, b) => a - b);
    const segments: LogSegment[] = [];
    const interval = config.indexIntervalBytes;
    try {
      if (bases.length === 0) {
        segments.push(await LogSegment.create(dir, 0));
        removed = true;
      } else {
        for (let i = 0; i < bases.length - 1; i++) {
          segments.push(await LogSegment.loadSealed(dir, bases[i], bases[i + 1], interval, logger));
        }
        segments.push(
          await LogSegment.loadActive(dir, bases[bases.length - 1], interval, logger, { cleanShutdown: options.cleanShutdown === true }),
        );
      }
    } catch (err) {
      await Promise.all(segments.map((s) => s.close().catch(() => undefined)));
      throw err;
    }
    if (removed) await fsyncDir(dir);
    const log = new PartitionLog(dir, config, logger, segments);
    await log.loadLogStartOffset();
    try {
      await log.loadProducerState(snapshots, options.cleanShutdown === true);
    } catch (err) {
      await Promise.all(segments.map((s) => s.close().catch(() => undefined)));
      throw err;
    }
    logger.info(
      { dir, segments: segments.length, logStartOffset: log.logStartOffset, logEndOffset: log.leo, sizeBytes: log.sizeBytes },
      'opened partition log',
    );
    return log;
  }

  get config(): LogConfig {
    return this.cfg;
  }

  updateConfig(c: LogConfig): void {
    this.cfg = c;
  }

  get logStartOffset(): number {
    return Math.max(this.deletedBefore, this.segments[0].baseOffset);
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.leo;
  }

  /** Everything below is written to the segment files and readable. */
  get highWatermark(): number {
    return this.hwm;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  // ------------------------------------------------------------ appending

  append(batches: Buffer, leaderEpoch = 0): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error(`log ${this.dir} is closed`));
    if (this.failure) return Promise.reject(new Error(`log ${this.dir} is offline after an I/O error: ${this.failure.message}`));
    // find the batches first: a bad input must change nothing
    const found: { buf: Buffer; delta: number; maxTimestamp: number; records: number }[] = [];
    let pos = 0;
    while (pos < batches.length) {
      const avail = batches.length - pos;
      if (avail < BATCH_HEADER_SIZE) return Promise.reject(new Error(`record batch at byte ${pos}: only ${avail} bytes`));
      const size = LOG_OVERHEAD + batches.readInt32BE(pos + F_BATCH_LENGTH);
      if (size < BATCH_HEADER_SIZE || size > avail) {
        return Promise.reject(new Error(`record batch at byte ${pos}: size ${size}, ${avail} bytes present`));
      }
      const delta = batches.readInt32BE(pos + F_LAST_OFFSET_DELTA);
      if (delta < 0) return Promise.reject(new Error(`record batch at byte ${pos}: lastOffsetDelta ${delta}`));
      const count = batches.readInt32BE(pos + F_RECORD_COUNT);
      found.push({
        buf: batches.subarray(pos, pos + size),
        delta,
        maxTimestamp: readInt64Number(batches, pos + F_MAX_TIMESTAMP),
        records: count > 0 ? count : delta + 1,
      });
      pos += size;
    }
    if (found.length === 0) return Promise.reject(new Error('no record batch to append'));
    // idempotent producers: check the batches' sequences against the state (nothing changes on a duplicate or an error)
    const producerBatches: ProducerBatch[] = [];
    let next = this.leo;
    for (const b of found) {
      // (a negative producer id, -1, means none: the sign is the high word's)
      if (b.buf.readInt32BE(Off.producerId) >= 0) {
        const producerId = b.buf.readBigInt64BE(Off.producerId);
        const firstSeq = b.buf.readInt32BE(Off.baseSequence);
        producerBatches.push({
          producerId,
          epoch: b.buf.readInt16BE(Off.producerEpoch),
          firstSeq,
          lastSeq: lastSequence(firstSeq, b.delta),
          firstOffset: next,
          lastOffset: next + b.delta,
          maxTimestamp: b.maxTimestamp,
        });
      }
      next += b.delta + 1;
    }
    if (producerBatches.length > 0) {
      let check;
      try {
        check = this.producers.check(producerBatches);
      } catch (err) {
        return Promise.reject(err);
      }
      if (check.kind === 'duplicate') return this.answerDuplicate(check.batch);
      this.producers.stage(producerBatches);
    }
    const baseOffset = this.leo;
    const pending: PendingBatch[] = [];
    let records = 0;
    for (const b of found) {
      const first = this.leo;
      writeInt64Number(b.buf, 0, first);
      b.buf.writeInt32BE(leaderEpoch, 12);
      pending.push({ buf: b.buf, baseOffset: first, lastOffset: first + b.delta, maxTimestamp: b.maxTimestamp });
      records += b.records;
      this.leo = first + b.delta + 1;
    }
    const lastOffset = this.leo - 1;
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ kind: 'append', batches: pending, size: pos, baseOffset, lastOffset, records, producerBatches, resolve, reject });
      this.schedule();
    });
  }

  /** The answer to a retried batch: the original's offsets, once the original is written (its write may still fail). */
  private answerDuplicate(dup: BatchMetadata): Promise<AppendResult> {
    const result = (): AppendResult => ({ baseOffset: dup.firstOffset, lastOffset: dup.lastOffset, logStartOffset: this.logStartOffset, duplicate: dup });
    if (dup.lastOffset < this.hwm) return Promise.resolve(result());
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ kind: 'wait', resolve: () => resolve(result()), reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const q = this.queue;
        this.queue = [];
        await this.writeQueue(q);
      }
    } finally {
      this.flushing = false;
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }

  private waitIdle(): Promise<void> {
    if (!this.flushing && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes everything queued: one writev per segment touched. */
  private async writeQueue(q: Pending[]): Promise<void> {
    const now = Date.now();
    let i = 0;
    try {
      if (this.failure) throw this.failure;
      while (i < q.length) {
        const item = q[i];
        if (item.kind === 'wait') {
          item.resolve();
          i++;
          continue;
        }
        if (item.kind === 'roll') {
          const a = this.active;
          if (a.baseOffset === item.segmentBase && a.size > 0) await this.roll();
          item.resolve();
          i++;
          continue;
        }
        if (this.shouldRoll(this.active, this.active.size, item, now)) await this.roll();
        const seg = this.active;
        const chunk: AppendRequest[] = [item];
        let bytes = seg.size + item.size;
        let j = i + 1;
        while (j < q.length) {
          const next = q[j];
          if (next.kind !== 'append' || this.shouldRoll(seg, bytes, next, now)) break;
          chunk.push(next);
          bytes += next.size;
          j++;
        }
        await this.writeChunk(seg, chunk);
        i = j;
      }
    } catch (err) {
      this.failPending(q.slice(i), err);
    }
  }

  /**
   * Roll before this append? (An empty segment always takes it.) Like Kafka,
   * the batches of one append() call stay together in one segment.
   */
  private shouldRoll(seg: LogSegment, bytesSoFar: number, req: AppendRequest, now: number): boolean {
    if (bytesSoFar === 0) return false;
    if (bytesSoFar + req.size > Math.min(this.cfg.segmentBytes, INT32_MAX)) return true;
    if (req.lastOffset - seg.baseOffset > INT32_MAX) return true;
    return seg.size > 0 && now - seg.rollBaseMs >= this.cfg.segmentMs;
  }

  private async writeChunk(seg: LogSegment, reqs: AppendRequest[]): Promise<void> {
    const batches: PendingBatch[] = [];
    let records = 0;
    for (const r of reqs) {
      for (const b of r.batches) batches.push(b);
      records += r.records;
    }
    const staged = seg.stage(batches, this.cfg.indexIntervalBytes);
    await seg.write(staged);
    this.unflushedRecords += records;
    if (this.unflushedRecords >= this.cfg.flushMessages) {
      try {
        await seg.syncLog();
      } catch (err) {
        await seg.rollback(err).catch(() => undefined);
        throw new StorageFatalError(`fsync of ${seg.logPath} failed: ${String(err)}`, err);
      }
      this.unflushedRecords = 0;
    }
    seg.commit(staged);
    this.hwm = staged.endOffset;
    for (const r of reqs) for (const b of r.producerBatches) this.producers.commitStaged(b);
    const logStartOffset = this.logStartOffset;
    for (const r of reqs) r.resolve({ baseOffset: r.baseOffset, lastOffset: r.lastOffset, logStartOffset });
    if (this.onAppend) {
      try {
        this.onAppend();
      } catch (err) {
        this.logger.warn({ dir: this.dir, err: String(err) }, 'onAppend callback threw');
      }
    }
  }

  /** Rejects `items` and everything queued behind them; the log end offset returns to the high watermark. */
  private failPending(items: Pending[], err: unknown): void {
    const all = items.concat(this.queue);
    this.queue = [];
    this.leo = this.hwm;
    this.producers.discardStaged();
    if (err instanceof StorageFatalError && !this.failure) {
      this.failure = err;
      this.logger.warn({ dir: this.dir, err: err.message }, 'log write failed and could not be undone; the log takes no more appends');
    } else {
      this.logger.warn(
        { dir: this.dir, err: String(err), rejected: all.length, logEndOffset: this.leo },
        'log write failed; pending appends rejected',
      );
    }
    for (const it of all) it.reject(err);
  }

  /** Seals the active segment and starts a new one at its end offset (runs inside the write loop). */
  private async roll(): Promise<void> {
    const old = this.active;
    await old.writeFinalTimeIndexEntry();
    const seg = await LogSegment.create(this.dir, old.endOffset);
    this.segments.push(seg);
    old.sealed(this.logger);
    // the committed producer state is exactly that of the batches below the new segment; written even when
    // empty (as Kafka), so that a start after a crash replays at most from the last roll. Written before the
    // appends behind the roll go on (no fsync: that follows in the background, as Kafka does).
    await this.takeSnapshot(seg.baseOffset, true).catch(() => undefined);
    void fsyncDir(this.dir);
    this.logger.info({ dir: this.dir, segment: seg.name, previous: old.name, previousBytes: old.size }, 'rolled to a new log segment');
  }

  /** Queues a roll of the active segment behind the pending appends. */
  private requestRoll(segmentBase: number): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`log ${this.dir} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'roll', segmentBase, resolve, reject });
      this.schedule();
    });
  }

  /** Rolls the active segment (soon, in the write loop) if it holds data and segment.ms has passed since its first write. */
  maybeRoll(nowMs: number = Date.now()): void {
    if (this.closing || this.failure) return;
    const seg = this.active;
    if (seg.size === 0 || !(nowMs - seg.rollBaseMs >= this.cfg.segmentMs)) return;
    if (this.rollRequestedFor === seg.baseOffset) return;
    this.rollRequestedFor = seg.baseOffset;
    this.requestRoll(seg.baseOffset).catch((err) => {
      this.rollRequestedFor = -1;
      this.logger.warn({ dir: this.dir, err: String(err) }, 'segment roll failed');
    });
  }

  // ------------------------------------------------------------ reading

  private checkReadable(): void {
    if (this.closing) throw new Error(`log ${this.dir} is closed`);
  }

  /** Index of the segment with the largest base offset <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** `alloc`: where the record data is read into (the Fetch handler passes a pooled lease's). */
  async read(fetchOffset: number, maxBytes: number, maxOffset: number = this.hwm, alloc?: ReadAlloc): Promise<ReadResult> {
    this.checkReadable();
    if (fetchOffset < this.logStartOffset || fetchOffset > this.leo) {
      throw new OffsetOutOfRangeError(
        `offset ${fetchOffset} is out of range for ${path.basename(this.dir)} [${this.logStartOffset}, ${this.leo}]`,
      );
    }
    const result = (records: Buffer[]): ReadResult => ({ records, highWatermark: this.hwm, logStartOffset: this.logStartOffset });
    if (fetchOffset >= maxOffset) return result([]);
    // A cleaned (compacted) log can hold batches emptied of their records; a read that found only
    // such batches goes on after them (some clients, kafkajs among them, never move past a fetch
    // response without a record).
    const out: Buffer[] = [];
    let bytes = 0;
    let seg: LogSegment | undefined = this.segments[this.segmentIndexFor(fetchOffset)];
    while (seg) {
      seg.acquire();
      let records: Buffer[] | null;
      try {
        records = await seg.read(fetchOffset, maxOffset, Math.max(maxBytes - bytes, 1), this.cfg.indexIntervalBytes, alloc);
      } finally {
        seg.release();
      }
      if (records !== null) {
        for (const r of records) out.push(r);
        const next = offsetAfterEmptyBatches(records);
        if (next < 0 || next >= maxOffset) return result(out);
        for (const r of records) bytes += r.length;
        if (bytes >= maxBytes) return result(out);
        fetchOffset = next; // read on, in this segment first
        continue;
      }
      // nothing at or after fetchOffset in this segment (a gap): go on with the next one
      const at: number = this.segments.indexOf(seg);
      seg = at >= 0 ? this.segments[at + 1] : this.segments.find((s) => s.baseOffset > fetchOffset);
    }
    return result(out);
  }

  async offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    this.checkReadable();
    const start = this.logStartOffset; // nothing below it is answered (DeleteRecords may have moved it into a segment)
    for (const seg of [...this.segments]) {
      if (seg.maxTimestamp < timestampMs || seg.size === 0) continue;
      seg.acquire();
      try {
        const rel = seg.timeIndex.lookup(timestampMs);
        const from = rel >= 0 ? seg.baseOffset + rel : seg.baseOffset;
        let found: { offset: number; timestamp: number } | null = null;
        await seg.scan(from, async (h, cur) => {
          if (h.maxTimestamp < timestampMs || h.lastOffset < start) return false;
          found = await firstRecordAtOrAfter(h, cur, timestampMs, start);
          return found !== null;
        });
        if (found) return found;
      } finally {
        seg.release();
      }
    }
    return null;
  }

  async maxTimestamp(): Promise<{ offset: number; timestamp: number } | null> {
    this.checkReadable();
    let best: LogSegment | null = null;
    for (const seg of this.segments) {
      if (seg.size > 0 && seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.maxTimestamp)) best = seg;
    }
    if (best === null) return null;
    const timestamp = best.maxTimestamp;
    const batchOffset = best.offsetOfMaxTimestamp;
    let found: { offset: number; timestamp: number } | null = null;
    best.acquire();
    try {
      await best.scan(batchOffset, async (h, cur) => {
        if (h.baseOffset === batchOffset) found = await firstRecordAtOrAfter(h, cur, timestamp);
        return true;
      });
    } finally {
      best.release();
    }
    return found ?? { offset: batchOffset, timestamp };
  }

  // ------------------------------------------------------------ retention

  /** Deletes sealed segments past retention.ms / retention.bytes; returns how many. */
  applyRetention(nowMs: number = Date.now()): Promise<number> {
    const run = this.retentionRunning.then(() => this.retentionOnce(nowMs));
    this.retentionRunning = run.catch(() => undefined);
    return run;
  }

  private async retentionOnce(now: number): Promise<number> {
    if (this.closing) return 0;
    const { retentionMs, retentionBytes } = this.cfg;
    let deleted = 0;
    if (retentionMs >= 0) {
      const cutoff = now - retentionMs;
      while (this.segments.length > 1 && (await this.segments[0].largestTimestamp()) < cutoff) {
        await this.deleteOldest('retention.ms');
        deleted++;
      }
      const a = this.active;
      if (this.segments.length === 1 && a.size > 0 && !this.closing && !this.failure && (await a.largestTimestamp()) < cutoff) {
        // like Kafka: the active segment is past retention too, roll it so it can go
        await this.requestRoll(a.baseOffset);
        if (this.segments.length > 1 && this.segments[0] === a && (await a.largestTimestamp()) < cutoff) {
          await this.deleteOldest('retention.ms');
          deleted++;
        }
      }
    }
    if (retentionBytes >= 0) {
      let excess = this.sizeBytes - retentionBytes;
      while (this.segments.length > 1 && excess - this.segments[0].size >= 0) {
        excess -= this.segments[0].size;
        await this.deleteOldest('retention.bytes');
        deleted++;
      }
    }
    // the producer snapshots of the deleted segments go with them
    if (deleted > 0) await this.deleteSnapshotsBelow(this.logStartOffset);
    return deleted;
  }

  private async deleteOldest(reason: string): Promise<void> {
    const seg = this.segments.shift()!;
    this.logger.info(
      { dir: this.dir, segment: seg.name, bytes: seg.size, reason, logStartOffset: this.logStartOffset },
      'deleting log segment',
    );
    await seg.destroy();
  }

  // ------------------------------------------------------------ deleting records

  /**
   * DeleteRecords: moves the log start offset up to `offset` (never down),
   * persists it before anything else changes, then deletes the sealed
   * segments that lie wholly below it (as Kafka's
   * deleteLogStartOffsetBreachedSegments; the active segment stays).
   * Throws OffsetOutOfRangeError past the high watermark. Returns the log
   * start offset after the call.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    const run = this.retentionRunning.then(async () => {
      if (this.closing) throw new Error(`log ${this.dir} is closed`);
      if (offset > this.hwm) {
        throw new OffsetOutOfRangeError(
          `Cannot increment the log start offset to ${offset} of partition ${path.basename(this.dir)} since it is larger than the high watermark ${this.hwm}`,
        );
      }
      if (offset > this.logStartOffset) {
        await writeFileAtomic(path.join(this.dir, LOG_START_OFFSET_FILE), `${offset}\n`);
        this.deletedBefore = offset;
        this.logger.info({ dir: this.dir, logStartOffset: offset }, 'log start offset moved by DeleteRecords');
        let deleted = 0;
        while (this.segments.length > 1 && this.segments[1].baseOffset <= offset) {
          await this.deleteOldest('log start offset');
          deleted++;
        }
        // the producer snapshots of the deleted segments go with them, as with retention
        if (deleted > 0) await this.deleteSnapshotsBelow(this.logStartOffset);
      }
      return this.logStartOffset;
    });
    this.retentionRunning = run.catch(() => undefined);
    return run;
  }

  /**
   * At open: takes the persisted log start offset. If it lies past the
   * recovered log end (the tail was lost in a crash), every segment goes
   * and the log restarts empty at it, as Kafka's LogLoader does.
   */
  private async loadLogStartOffset(): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(path.join(this.dir, LOG_START_OFFSET_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const offset = Number(text.trim());
    if (!Number.isSafeInteger(offset) || offset < 0) {
      this.logger.warn({ dir: this.dir, content: text.slice(0, 40) }, 'ignoring an unreadable log start offset file');
      return;
    }
    this.deletedBefore = offset;
    if (offset <= this.leo) return;
    this.logger.warn({ dir: this.dir, logStartOffset: offset, logEndOffset: this.leo }, 'log end offset is below the log start offset: deleting all segments');
    const fresh = await LogSegment.create(this.dir, offset);
    const old = this.segments.splice(0, this.segments.length, fresh);
    for (const s of old) await s.destroy();
    await fsyncDir(this.dir);
    this.leo = offset;
    this.hwm = offset;
  }

  // ------------------------------------------------------------ producer state

  /**
   * Loads the newest valid snapshot at or below the log end (snapshots past
   * it describe data that is gone, corrupt ones are ignored; both are
   * deleted) and replays the batches after it. With no snapshot the whole
   * log is replayed (every roll writes one, so that is the active segment,
   * or a log written before snapshots existed), except after a clean
   * shutdown: close() leaves a snapshot whenever there is producer state, so
   * none means none (Kafka's rule too).
   */
  private async loadProducerState(found: number[], cleanShutdown: boolean): Promise<void> {
    const offsets = [...found].sort((a, b) => a - b);
    let from = -1;
    while (offsets.length > 0) {
      const off = offsets[offsets.length - 1];
      if (off > this.leo) {
        this.logger.info({ dir: this.dir, snapshot: off, logEndOffset: this.leo }, 'deleting a producer snapshot past the log end');
        await deleteSnapshot(this.dir, off);
        offsets.pop();
        continue;
      }
      try {
        this.producers.load(await readSnapshot(this.dir, off));
        from = off;
        break;
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError)) throw err;
        this.logger.warn({ dir: this.dir, snapshot: off, err: err.message }, 'ignoring a corrupt producer snapshot');
        await deleteSnapshot(this.dir, off);
        offsets.pop();
      }
    }
    this.snapshotOffsets = offsets;
    if (from < 0 && cleanShutdown) return;
    from = Math.max(from, this.logStartOffset);
    if (from >= this.leo) return;
    const started = Date.now();
    let batches = 0;
    for (const seg of this.segments) {
      if (seg.endOffset <= from || seg.size === 0) continue;
      seg.acquire();
      try {
        await seg.scan(Math.max(from, seg.baseOffset), (h, cur) => {
          if (h.baseOffset < from) return false;
          const at = cur.at(h.position);
          const producerId = cur.buf.readBigInt64BE(at + Off.producerId);
          if (producerId < 0n) return false;
          const firstSeq = cur.buf.readInt32BE(at + Off.baseSequence);
          this.producers.applyCommitted({
            producerId,
            epoch: cur.buf.readInt16BE(at + Off.producerEpoch),
            firstSeq,
            lastSeq: lastSequence(firstSeq, h.lastOffset - h.baseOffset),
            firstOffset: h.baseOffset,
            lastOffset: h.lastOffset,
            maxTimestamp: h.maxTimestamp,
          });
          batches++;
          return false;
        });
      } finally {
        seg.release();
      }
    }
    if (batches > 0) {
      this.logger.info(
        { dir: this.dir, fromOffset: from, logEndOffset: this.leo, producerBatches: batches, producers: this.producers.size, ms: Date.now() - started },
        'rebuilt producer state from the log',
      );
    }
  }

  /**
   * Writes a snapshot of the committed producer state at `offset` (the
   * state is captured now; snapshot file operations run one at a time; the
   * promise settles when the file is in place). At a roll the file is
   * written even with no state and fsynced in the background; otherwise
   * (close) it is fsynced before the promise settles, and nothing is
   * written while there is no state and no snapshot (a log that never
   * rolled and never saw a producer keeps no file).
   */
  private takeSnapshot(offset: number, atRoll = false): Promise<void> {
    const entries = this.producers.activeProducers();
    const last = this.snapshotOffsets[this.snapshotOffsets.length - 1];
    if ((!atRoll && entries.length === 0 && this.snapshotOffsets.length === 0) || last === offset) return this.snapshotWrites;
    const data = encodeSnapshot(entries);
    const run = this.snapshotWrites.then(async () => {
      await writeSnapshot(this.dir, offset, data, !atRoll);
      if (!this.snapshotOffsets.includes(offset)) {
        this.snapshotOffsets.push(offset);
        this.snapshotOffsets.sort((a, b) => a - b);
      }
    });
    const logFailure = (err: unknown) => {
      this.logger.warn({ dir: this.dir, offset, err: String(err) }, 'writing a producer snapshot failed');
    };
    this.snapshotWrites = run.catch(logFailure);
    // at a roll the file is fsynced in the background, without holding up later snapshot work
    if (atRoll) this.snapshotSyncs = Promise.all([this.snapshotSyncs, run.then(() => syncSnapshot(this.dir, offset))]).then(() => undefined, logFailure);
    return run;
  }

  /** Deletes snapshots below `offset` (their segments are gone), keeping the newest one. */
  private deleteSnapshotsBelow(offset: number): Promise<void> {
    const run = this.snapshotWrites.then(async () => {
      const keep = this.snapshotOffsets[this.snapshotOffsets.length - 1];
      for (const off of [...this.snapshotOffsets]) {
        if (off >= offset || off === keep) continue;
        await deleteSnapshot(this.dir, off);
        this.snapshotOffsets = this.snapshotOffsets.filter((o) => o !== off);
      }
    });
    this.snapshotWrites = run.catch((err: unknown) => {
      this.logger.warn({ dir: this.dir, err: String(err) }, 'deleting producer snapshots failed');
    });
    return this.snapshotWrites;
  }

  /** Forgets producers idle for expirationMs (producer.id.expiration.ms); returns how many. */
  removeExpiredProducers(nowMs: number, expirationMs: number): number {
    return this.producers.removeExpired(nowMs, expirationMs);
  }

  // ------------------------------------------------------------ log cleaner

  /** The segments as they are now (the last one is active). */
  segmentList(): readonly LogSegment[] {
    return [...this.segments];
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Runs `work` while retention does not run (retention waits for it, and it for retention). */
  exclusively<T>(work: () => Promise<T>): Promise<T> {
    const run = this.retentionRunning.then(work);
    this.retentionRunning = run.catch(() => undefined);
    return run;
  }

  /**
   * Puts `cleaned` (files already in place) where the consecutive sealed
   * segments `old` were. Reads in progress keep their old segment objects.
   * Returns false (changing nothing) if `old` is no longer in the log.
   */
  replaceSegments(old: LogSegment[], cleaned: LogSegment): boolean {
    const at = this.segments.indexOf(old[0]);
    if (at < 0 || at + old.length >= this.segments.length) return false;
    for (let i = 0; i < old.length; i++) if (this.segments[at + i] !== old[i]) return false;
    this.segments.splice(at, old.length, cleaned);
    return true;
  }

  // ------------------------------------------------------------ closing

  /**
   * close() finished with every write done or undone, the files fsynced and
   * closed: the files are consistent (a clean shutdown, as far as this log
   * goes).
   */
  get closedCleanly(): boolean {
    return this.cleanClose;
  }

  /** Finishes pending writes, fsyncs the active segment and closes every file. */
  close(): Promise<void> {
    if (!this.closePromise) this.closePromise = this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    await this.waitIdle();
    await this.retentionRunning;
    await this.waitIdle();
    let clean = this.failure === null;
    if (!this.failure) {
      try {
        await this.takeSnapshot(this.leo);
      } catch (err) {
        clean = false;
        this.logger.warn({ dir: this.dir, err: String(err) }, 'producer snapshot at close failed');
      }
      await this.snapshotWrites;
      await this.snapshotSyncs;
    }
    if (!this.failure) {
      try {
        await this.active.syncAll();
      } catch (err) {
        clean = false;
        this.logger.warn({ dir: this.dir, err: String(err) }, 'fsync at close failed');
      }
    }
    await Promise.all(
      this.segments.map((s) =>
        s.close().catch((err) => {
          clean = false;
          this.logger.warn({ dir: this.dir, segment: s.name, err: String(err) }, 'closing a segment failed');
        }),
      ),
    );
    if (this.segments.some((s) => s.syncFailed)) clean = false;
    if (clean) await fsyncDir(this.dir); // segment files created by rolls
    this.cleanClose = clean;
  }

  /** Closes the log and removes its directory. */
  async delete(): Promise<void> {
    await this.close();
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

/** The offset after `bufs` if they hold whole batches with no records at all (and at least one), else -1. */
function offsetAfterEmptyBatches(bufs: Buffer[]): number {
  let next = -1;
  for (const buf of bufs) {
    for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length; pos += LOG_OVERHEAD + buf.readInt32BE(pos + F_BATCH_LENGTH)) {
      if (buf.readInt32BE(pos + F_RECORD_COUNT) !== 0) return -1;
      next = readInt64Number(buf, pos) + buf.readInt32BE(pos + F_LAST_OFFSET_DELTA) + 1;
    }
  }
  return next;
}

/**
 * The first record of the batch with timestamp >= ts and offset >= minOffset:
 * record by record for CreateTime batches, decompressing compressed ones (as
 * Kafka's LogSegment.findOffsetByTimestamp iterates the records); the
 * batch's base offset (at least minOffset) and max timestamp for
 * LogAppendTime batches (every record carries the max) and for batches whose
 * records cannot be read; none in a batch emptied by the log cleaner.
 */
async function firstRecordAtOrAfter(
  h: BatchHeaderInfo,
  cur: FileCursor,
  ts: number,
  minOffset = 0,
): Promise<{ offset: number; timestamp: number } | null> {
  if (h.recordCount <= 0) return null; // a batch the cleaner emptied: no record to answer (Kafka iterates records too)
  if ((h.attributes & ATTR_LOG_APPEND_TIME) !== 0) {
    return h.maxTimestamp >= ts ? { offset: Math.max(h.baseOffset, minOffset), timestamp: h.maxTimestamp } : null;
  }
  const bytes = await LogSegment.batchBytes(h, cur);
  let records;
  try {
    records = recordsOf(bytes);
  } catch {
    return h.maxTimestamp >= ts ? { offset: Math.max(h.baseOffset, minOffset), timestamp: h.maxTimestamp } : null;
  }
  for (const r of records) {
    const t = h.baseTimestamp + Number(r.timestampDelta);
    if (t >= ts && h.baseOffset + r.offsetDelta >= minOffset) return { offset: h.baseOffset + r.offsetDelta, timestamp: t };
  }
  return null;
}
