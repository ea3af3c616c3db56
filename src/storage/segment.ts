/**
 * One log segment: `<base>.log` holding record batches back to back, with its
 * sparse `<base>.index` and `<base>.timeindex` (see indexes.ts), all named by
 * the 20-digit zero-padded base offset like Kafka's.
 *
 * The segment knows its committed size: bytes below it were written
 * completely and are readable; writes go exactly there (positional, no
 * O_APPEND) and a failed write is cut off again before anything else runs.
 * Reads take a reference so a segment deleted by retention keeps its file
 * descriptors until the last reader is done.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { BATCH_HEADER_SIZE, BatchProblem, LOG_OVERHEAD, checkBatchAt, readInt64Number } from '../protocol/record-batch';
import {
  FileCursor,
  ReadAlloc,
  OPEN_CREATE,
  OPEN_CREATE_TRUNC,
  OPEN_READ,
  OPEN_RW,
  fileIo,
  readAt,
  writeAll,
  writeAllSync,
  writevAllSync,
} from './file-io';
import { writeFileAtomic } from './atomic-file';
import { INT32_MAX, OffsetIndex, TimeIndex } from './indexes';
import { StorageLogger } from './log-config';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';

// v2 batch header field positions (see record-batch.ts)
export const F_BASE_OFFSET = 0;
export const F_BATCH_LENGTH = 8;
export const F_LEADER_EPOCH = 12;
export const F_ATTRIBUTES = 21;
export const F_LAST_OFFSET_DELTA = 23;
export const F_BASE_TIMESTAMP = 27;
export const F_MAX_TIMESTAMP = 35;
export const F_RECORD_COUNT = 57;

/** Reads are done in slices of at least this much (scans) ... */
const MIN_READ_CHUNK = 64 * 1024;
/** ... and at most this much at once. */
const MAX_READ_CHUNK = 32 * 1024 * 1024;
/** Recovery scans read this much at a time. */
const RECOVERY_CHUNK = 8 * 1024 * 1024;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** A batch on its way into the log (offsets already assigned). */
export interface PendingBatch {
  buf: Buffer;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

/** A batch header as found in a segment file. */
export interface BatchHeaderInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
  recordCount: number;
}

export function headerAt(buf: Buffer, i: number, position: number): BatchHeaderInfo {
  const baseOffset = readInt64Number(buf, i + F_BASE_OFFSET);
  return {
    position,
    size: LOG_OVERHEAD + buf.readInt32BE(i + F_BATCH_LENGTH),
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(i + F_LAST_OFFSET_DELTA),
    attributes: buf.readInt16BE(i + F_ATTRIBUTES),
    baseTimestamp: readInt64Number(buf, i + F_BASE_TIMESTAMP),
    maxTimestamp: readInt64Number(buf, i + F_MAX_TIMESTAMP),
    recordCount: buf.readInt32BE(i + F_RECORD_COUNT),
  };
}

/** Index bookkeeping that advances with every batch written. */
export interface IndexState {
  bytesSinceLastEntry: number;
  maxTimestamp: number;
  /** Base offset of the batch that raised the max timestamp to its value (-1: none). */
  offsetOfMaxTimestamp: number;
  lastTimeEntryTimestamp: number;
}

/** A write prepared against the segment's committed state, applied by commit(). */
export interface StagedWrite {
  bufs: Buffer[];
  bytes: number;
  endOffset: number;
  state: IndexState;
  offsetEntries: Buffer;
  timeEntries: Buffer;
}

/** An I/O failure after which the files could not be put back into a known state. */
export class StorageFatalError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StorageFatalError';
  }
}

export class CorruptSegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSegmentError';
  }
}

export class LogSegment {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Committed bytes of the .log file. */
  size = 0;
  /** Offset after the last committed batch (for sealed segments: the next segment's base offset). */
  endOffset: number;
  offsetIndex = new OffsetIndex();
  timeIndex = new TimeIndex();
  /** Wall-clock time segment.ms counts from: the first write into the segment (or the file's age on reopen). */
  rollBaseMs: number;
  /** File mtime, for retention of segments without timestamps (refreshed lazily). */
  private mtimeMs = 0;
  private st: IndexState = { bytesSinceLastEntry: 0, maxTimestamp: -1, offsetOfMaxTimestamp: -1, lastTimeEntryTimestamp: -1 };
  private logFd: number | null = null;
  private opening: Promise<number> | null = null;
  private indexFd: number | null = null;
  private timeIndexFd: number | null = null;
  private refs = 0;
  private drainWaiters: (() => void)[] = [];
  /** close() started: no new references (the owner already dropped the segment). */
  private closing = false;
  /** File descriptors closed. */
  private closed = false;
  /** Background fsync started when the segment was sealed. */
  private pendingSync: Promise<void> | null = null;
  /** That fsync failed: the files may not be durable (no clean shutdown). */
  syncFailed = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.endOffset = baseOffset;
    this.rollBaseMs = Date.now();
  }

  get name(): string {
    return segmentFileName(this.baseOffset, LOG_SUFFIX);
  }
  /** Largest batch max timestamp in the segment, -1 if none. */
  get maxTimestamp(): number {
    return this.st.maxTimestamp;
  }
  /** Base offset of the first batch holding maxTimestamp, -1 if none. */
  get offsetOfMaxTimestamp(): number {
    return this.st.offsetOfMaxTimestamp;
  }
  get isClosed(): boolean {
    return this.closing;
  }

  // ------------------------------------------------------------ opening

  /** A new, empty active segment (files created or truncated). */
  static async create(dir: string, baseOffset: number): Promise<LogSegment> {
    const seg = new LogSegment(dir, baseOffset);
    const fds: number[] = [];
    try {
      for (const p of [seg.logPath, seg.indexPath, seg.timeIndexPath]) fds.push(await fileIo.open(p, OPEN_CREATE_TRUNC));
    } catch (err) {
      await Promise.all(fds.map((fd) => fileIo.close(fd).catch(() => undefined)));
      throw err;
    }
    [seg.logFd, seg.indexFd, seg.timeIndexFd] = fds;
    return seg;
  }

  /**
   * A sealed segment: its indexes are loaded and checked; when missing or
   * invalid the log is scanned (and validated) to rebuild them.
   */
  static async loadSealed(
    dir: string,
    baseOffset: number,
    nextBaseOffset: number,
    indexIntervalBytes: number,
    logger: StorageLogger,
  ): Promise<LogSegment> {
    const seg = new LogSegment(dir, baseOffset);
    const st = await fsp.stat(seg.logPath);
    seg.size = st.size;
    seg.mtimeMs = st.mtimeMs;
    seg.endOffset = nextBaseOffset;
    const endRel = Math.min(nextBaseOffset - baseOffset, INT32_MAX + 1);
    const index = await readIfExists(seg.indexPath);
    const timeIndex = await readIfExists(seg.timeIndexPath);
    let problem: string | null = null;
    if (index === null) problem = 'offset index missing';
    else if (timeIndex === null) problem = 'time index missing';
    else problem = OffsetIndex.problem(index, seg.size, endRel) ?? TimeIndex.problem(timeIndex, endRel);
    if (problem === null) {
      seg.offsetIndex = new OffsetIndex(index!);
      seg.timeIndex = new TimeIndex(timeIndex!);
      seg.st.maxTimestamp = seg.timeIndex.lastTimestamp;
      seg.st.offsetOfMaxTimestamp = seg.timeIndex.count > 0 ? baseOffset + seg.timeIndex.lastRelOffset : -1;
      seg.st.lastTimeEntryTimestamp = seg.timeIndex.lastTimestamp;
      return seg;
    }
    logger.warn({ dir, segment: seg.name, problem }, 'rebuilding the indexes of a log segment');
    const fd = await fileIo.open(seg.logPath, OPEN_RW);
    seg.logFd = fd;
    await seg.recover(fd, indexIntervalBytes, logger);
    seg.sealTimeIndexInMemory();
    await seg.persistIndexesAtomically();
    seg.endOffset = Math.max(seg.endOffset, nextBaseOffset);
    return seg;
  }

  /**
   * The last segment, files kept open. Normally validated batch by batch
   * from the start, torn or corrupt tail cut, indexes rebuilt (recover()).
   *
   * After a clean shutdown (`cleanShutdown`, see LogManager) its indexes are
   * trusted like a sealed segment's: loaded and checked, and only the batches
   * from the last offset index entry on are validated (checkTail()). When the
   * indexes cannot be used or the tail holds a bad batch, the whole segment
   * is recovered as usual.
   */
  static async loadActive(
    dir: string,
    baseOffset: number,
    indexIntervalBytes: number,
    logger: StorageLogger,
    options: { cleanShutdown?: boolean } = {},
  ): Promise<LogSegment> {
    const seg = new LogSegment(dir, baseOffset);
    const fd = await fileIo.open(seg.logPath, OPEN_CREATE);
    seg.logFd = fd;
    try {
      const onDisk = options.cleanShutdown ? await seg.checkTail(fd, indexIntervalBytes, logger) : null;
      if (onDisk === null) await seg.recover(fd, indexIntervalBytes, logger);
      const st = await fileIo.fstat(fd);
      if (seg.size > 0) seg.rollBaseMs = Math.min(Date.now(), st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs);
      seg.indexFd = await openWithContent(seg.indexPath, seg.offsetIndex.contents(), onDisk?.index);
      seg.timeIndexFd = await openWithContent(seg.timeIndexPath, seg.timeIndex.contents(), onDisk?.timeIndex);
    } catch (err) {
      await seg.close().catch(() => undefined);
      throw err;
    }
    return seg;
  }

  /**
   * Scans the whole file validating every batch (length, magic, CRC,
   * increasing offsets), truncates at the first bad one and rebuilds the
   * in-memory indexes and state from what remains.
   */
  private async recover(fd: number, indexIntervalBytes: number, logger: StorageLogger): Promise<void> {
    const fileSize = (await fileIo.fstat(fd)).size;
    const off: number[] = [];
    const time: number[] = [];
    const st: IndexState = { bytesSinceLastEntry: 0, maxTimestamp: -1, offsetOfMaxTimestamp: -1, lastTimeEntryTimestamp: -1 };
    const base = this.baseOffset;
    const { pos, next, problem } = await this.validateBatches(fd, fileSize, 0, base, (h) => {
      LogSegment.indexStep(base, st, h.position, h.baseOffset, h.size, h.maxTimestamp, indexIntervalBytes, off, time);
      return null;
    });
    if (problem.kind !== 'ok') {
      logger.warn(
        { dir: this.dir, segment: this.name, reason: problem.reason, kind: problem.kind, position: pos, truncatedBytes: fileSize - pos },
        `truncating log segment ${this.name} at byte ${pos}: ${problem.kind} batch (${problem.reason}), ${fileSize - pos} bytes cut`,
      );
      await fileIo.ftruncate(fd, pos);
    }
    this.size = pos;
    this.endOffset = next;
    this.st = st;
    this.offsetIndex = new OffsetIndex(OffsetIndex.encode(off));
    this.timeIndex = new TimeIndex(TimeIndex.encode(time));
  }

  /**
   * Start-up after a clean shutdown: loads the indexes, checks them as
   * loadSealed does, and validates (like recover()) only the batches from the
   * position of the last offset index entry to the end of the file, adding
   * index entries for them as the writer would have.
   *
   * The index state is continued exactly: the last offset index entry was
   * made for the batch at its position, so after that batch
   * bytesSinceLastEntry is its size. A time index entry is added at an offset
   * index entry whenever the max timestamp rose since the last time entry, so
   * right after that batch the max timestamp (and the batch that raised it)
   * is the last time index entry, and no time entry can come from a later
   * batch (only sealing adds one, and an active segment holding such an
   * entry is recovered fully).
   *
   * Returns the index file contents as read (the in-memory indexes extend
   * them), or null when the segment must be recovered fully (after logging
   * why); it changes nothing on disk.
   */
  private async checkTail(
    fd: number,
    indexIntervalBytes: number,
    logger: StorageLogger,
  ): Promise<{ index: Buffer; timeIndex: Buffer } | null> {
    const fileSize = (await fileIo.fstat(fd)).size;
    const index = await readIfExists(this.indexPath);
    const timeIndex = await readIfExists(this.timeIndexPath);
    const anyRel = INT32_MAX + 1; // the end offset is not known yet; the tail scan checks the last entry against the log
    let problem: string | null = null;
    if (index === null) problem = 'offset index missing';
    else if (timeIndex === null) problem = 'time index missing';
    else problem = OffsetIndex.problem(index, fileSize, anyRel) ?? TimeIndex.problem(timeIndex, anyRel);
    const offsetIndex = new OffsetIndex(index ?? undefined);
    const timeIdx = new TimeIndex(timeIndex ?? undefined);
    const lastRel = offsetIndex.count > 0 ? offsetIndex.relOffset(offsetIndex.count - 1) : -1;
    if (problem === null && timeIdx.count > offsetIndex.count) {
      problem = `time index has ${timeIdx.count} entries, offset index ${offsetIndex.count}`;
    }
    if (problem === null && timeIdx.count > 0 && timeIdx.lastRelOffset > lastRel) {
      problem = `last time index entry (offset ${timeIdx.lastRelOffset}) is past the last offset index entry (${lastRel})`;
    }
    const base = this.baseOffset;
    const from = offsetIndex.count > 0 ? offsetIndex.position(offsetIndex.count - 1) : 0;
    const st: IndexState = {
      bytesSinceLastEntry: 0,
      maxTimestamp: timeIdx.lastTimestamp,
      offsetOfMaxTimestamp: timeIdx.count > 0 ? base + timeIdx.lastRelOffset : -1,
      lastTimeEntryTimestamp: timeIdx.lastTimestamp,
    };
    const off: number[] = [];
    const time: number[] = [];
    let mismatch = null as string | null; // set in the callback
    let result: Awaited<ReturnType<LogSegment['validateBatches']>> | null = null;
    if (problem === null) {
      // offsets are checked from the segment base: the first batch must match the index entry exactly (below)
      result = await this.validateBatches(fd, fileSize, from, base, (h) => {
        if (h.position === from && offsetIndex.count > 0) {
          // the batch the last offset index entry was made for: already indexed
          if (h.baseOffset !== base + lastRel) {
            mismatch = `batch at ${from} has base offset ${h.baseOffset}, the offset index says ${base + lastRel}`;
          } else if (h.maxTimestamp > st.maxTimestamp) {
            mismatch = `batch at ${from} has max timestamp ${h.maxTimestamp} above the time index's ${st.maxTimestamp}`;
          }
          st.bytesSinceLastEntry = h.size;
          return mismatch;
        }
        LogSegment.indexStep(base, st, h.position, h.baseOffset, h.size, h.maxTimestamp, indexIntervalBytes, off, time);
        return null;
      });
      if (mismatch !== null) problem = mismatch;
    }
    if (problem !== null || result === null) {
      logger.warn(
        { dir: this.dir, segment: this.name, problem },
        'clean shutdown, but the indexes of the active log segment do not fit it: recovering it fully',
      );
      return null;
    }
    if (result.problem.kind !== 'ok') {
      logger.info(
        { dir: this.dir, segment: this.name, position: result.pos, kind: result.problem.kind, reason: result.problem.reason },
        'clean shutdown, but the tail of the active log segment holds a bad batch: recovering it fully',
      );
      return null;
    }
    this.size = result.pos;
    this.endOffset = result.next;
    this.st = st;
    this.offsetIndex = offsetIndex;
    this.offsetIndex.appendRaw(OffsetIndex.encode(off));
    this.timeIndex = timeIdx;
    this.timeIndex.appendRaw(TimeIndex.encode(time));
    return { index: index!, timeIndex: timeIndex! };
  }

  /**
   * Validates the batches in [from, fileSize) one by one (length, magic, CRC,
   * offsets increasing from `next`, within the segment's relative range) and
   * hands each good one to `visit`, which may stop the scan by returning a
   * reason. Returns where it stopped, the offset after the last good batch
   * and what was wrong there (kind 'ok' when the scan reached the end).
   */
  private async validateBatches(
    fd: number,
    fileSize: number,
    from: number,
    next: number,
    visit: (h: BatchHeaderInfo) => string | null,
  ): Promise<{ pos: number; next: number; problem: BatchProblem }> {
    const cur = new FileCursor(fd, fileSize, RECOVERY_CHUNK);
    let pos = from;
    let problem: BatchProblem = { kind: 'ok' };
    while (pos < fileSize) {
      const avail = fileSize - pos;
      if (avail < LOG_OVERHEAD) {
        problem = { kind: 'truncated', reason: `only ${avail} bytes left` };
        break;
      }
      await cur.ensure(pos, LOG_OVERHEAD);
      const length = cur.buf.readInt32BE(cur.at(pos) + F_BATCH_LENGTH);
      const size = LOG_OVERHEAD + length;
      if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
        problem = { kind: 'corrupt', reason: `batch length ${length} below the header size` };
        break;
      }
      if (size > avail) {
        problem = { kind: 'truncated', reason: `batch of ${size} bytes, ${avail} present` };
        break;
      }
      if (!(await cur.ensure(pos, size))) {
        problem = { kind: 'truncated', reason: `batch of ${size} bytes could not be read completely` };
        break;
      }
      const check = checkBatchAt(cur.buf, cur.at(pos));
      if (check.problem.kind !== 'ok') {
        problem = check.problem;
        break;
      }
      const h = headerAt(cur.buf, cur.at(pos), pos);
      if (h.baseOffset < next || h.lastOffset < h.baseOffset) {
        problem = { kind: 'corrupt', reason: `batch offsets ${h.baseOffset}..${h.lastOffset} where ${next} or above was expected` };
        break;
      }
      if (h.lastOffset - this.baseOffset > INT32_MAX) {
        problem = { kind: 'corrupt', reason: `offset ${h.lastOffset} too far from the segment base` };
        break;
      }
      const stop = visit(h);
      if (stop !== null) {
        problem = { kind: 'corrupt', reason: stop };
        break;
      }
      pos += size;
      next = h.lastOffset + 1;
    }
    return { pos, next, problem };
  }

  /** Adds the final time index entry (the segment's max timestamp) if it is not there yet. */
  private sealTimeIndexInMemory(): Buffer {
    const entry = this.finalTimeEntry();
    if (entry.length > 0) {
      this.timeIndex.appendRaw(entry);
      this.st.lastTimeEntryTimestamp = this.st.maxTimestamp;
    }
    return entry;
  }

  private finalTimeEntry(): Buffer {
    if (this.st.maxTimestamp < 0 || this.st.maxTimestamp <= this.st.lastTimeEntryTimestamp) return Buffer.alloc(0);
    return TimeIndex.encode([this.st.maxTimestamp, this.st.offsetOfMaxTimestamp - this.baseOffset]);
  }

  private async persistIndexesAtomically(): Promise<void> {
    await writeFileAtomic(this.indexPath, Buffer.from(this.offsetIndex.contents()));
    await writeFileAtomic(this.timeIndexPath, Buffer.from(this.timeIndex.contents()));
  }

  // ------------------------------------------------------------ writing

  /**
   * Index bookkeeping for one batch written at `pos`: Kafka's rule, an offset
   * index entry (and a time index entry if the max timestamp rose since the
   * last one) when more than indexIntervalBytes were written since the last
   * entry.
   */
  static indexStep(
    base: number,
    st: IndexState,
    pos: number,
    baseOffset: number,
    size: number,
    maxTimestamp: number,
    interval: number,
    off: number[],
    time: number[],
  ): void {
    if (maxTimestamp > st.maxTimestamp) {
      st.maxTimestamp = maxTimestamp;
      st.offsetOfMaxTimestamp = baseOffset;
    }
    if (st.bytesSinceLastEntry > interval) {
      off.push(baseOffset - base, pos);
      if (st.maxTimestamp >= 0 && st.maxTimestamp > st.lastTimeEntryTimestamp) {
        time.push(st.maxTimestamp, st.offsetOfMaxTimestamp - base);
        st.lastTimeEntryTimestamp = st.maxTimestamp;
      }
      st.bytesSinceLastEntry = 0;
    }
    st.bytesSinceLastEntry += size;
  }

  /** Prepares appending `batches` at the committed end (nothing changes until commit). */
  stage(batches: PendingBatch[], indexIntervalBytes: number): StagedWrite {
    const st = { ...this.st };
    const off: number[] = [];
    const time: number[] = [];
    const bufs: Buffer[] = [];
    let pos = this.size;
    let endOffset = this.endOffset;
    for (const b of batches) {
      LogSegment.indexStep(this.baseOffset, st, pos, b.baseOffset, b.buf.length, b.maxTimestamp, indexIntervalBytes, off, time);
      bufs.push(b.buf);
      pos += b.buf.length;
      endOffset = b.lastOffset + 1;
    }
    return {
      bufs,
      bytes: pos - this.size,
      endOffset,
      state: st,
      offsetEntries: OffsetIndex.encode(off),
      timeEntries: TimeIndex.encode(time),
    };
  }

  /**
   * Writes a staged append (log, then index entries), synchronously to the
   * page cache (file-io.ts says why); on failure the files are cut back and
   * it throws.
   */
  async write(w: StagedWrite): Promise<void> {
    if (this.logFd === null || this.indexFd === null || this.timeIndexFd === null) throw new Error(`segment ${this.name} is not writable`);
    try {
      writevAllSync(this.logFd, w.bufs, this.size);
      if (w.offsetEntries.length > 0) writeAllSync(this.indexFd, w.offsetEntries, this.offsetIndex.bytes);
      if (w.timeEntries.length > 0) writeAllSync(this.timeIndexFd, w.timeEntries, this.timeIndex.bytes);
    } catch (err) {
      await this.rollback(err);
      throw err;
    }
  }

  /** Cuts the files back to the committed state after a failed write. */
  async rollback(cause: unknown): Promise<void> {
    try {
      if (this.logFd !== null) await fileIo.ftruncate(this.logFd, this.size);
      if (this.indexFd !== null) await fileIo.ftruncate(this.indexFd, this.offsetIndex.bytes);
      if (this.timeIndexFd !== null) await fileIo.ftruncate(this.timeIndexFd, this.timeIndex.bytes);
    } catch (err) {
      throw new StorageFatalError(`segment ${this.name}: could not undo a failed write (${String(err)}) after: ${String(cause)}`, cause);
    }
  }

  /** Makes a written staged append visible. */
  commit(w: StagedWrite): void {
    if (this.size === 0 && w.bytes > 0) this.rollBaseMs = Date.now();
    this.size += w.bytes;
    this.endOffset = w.endOffset;
    this.st = w.state;
    this.offsetIndex.appendRaw(w.offsetEntries);
    this.timeIndex.appendRaw(w.timeEntries);
  }

  /** fdatasync of the log file (flush.messages). */
  async syncLog(): Promise<void> {
    if (this.logFd !== null) await fileIo.fdatasync(this.logFd);
  }

  /** fsync of the log and its open index files. */
  async syncAll(): Promise<void> {
    for (const fd of [this.logFd, this.indexFd, this.timeIndexFd]) if (fd !== null) await fileIo.fsync(fd);
  }

  /**
   * First step of sealing: appends the final time index entry (the
   * segment's max timestamp) so the file holds it before the next segment
   * exists. The segment stays writable (the entry is an ordinary one).
   */
  async writeFinalTimeIndexEntry(): Promise<void> {
    const entry = this.finalTimeEntry();
    if (entry.length === 0 || this.timeIndexFd === null) return;
    try {
      await writeAll(this.timeIndexFd, entry, this.timeIndex.bytes);
    } catch (err) {
      await this.rollback(err);
      throw err;
    }
    this.sealTimeIndexInMemory();
  }

  /** Second step: no more writes; fsync everything and close the index files in the background. */
  sealed(logger: StorageLogger): void {
    this.pendingSync = (async () => {
      try {
        await this.syncAll();
      } catch (err) {
        this.syncFailed = true;
        logger.warn({ dir: this.dir, segment: this.name, err: String(err) }, 'fsync of a sealed log segment failed');
      }
      await this.closeIndexFds();
    })();
  }

  private async closeIndexFds(): Promise<void> {
    const fds = [this.indexFd, this.timeIndexFd];
    this.indexFd = null;
    this.timeIndexFd = null;
    for (const fd of fds) if (fd !== null) await fileIo.close(fd).catch(() => undefined);
  }

  // ------------------------------------------------------------ reading

  acquire(): void {
    this.refs++;
  }

  release(): void {
    this.refs--;
    if (this.refs === 0 && this.drainWaiters.length > 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  /** Opens the log file for reading now (the cleaner does before it renames the file away). */
  async ensureOpen(): Promise<void> {
    await this.fd();
  }

  private async fd(): Promise<number> {
    if (this.logFd !== null) return this.logFd;
    if (this.closed) throw new Error(`segment ${this.name} is closed`);
    if (this.opening === null) {
      this.opening = fileIo.open(this.logPath, OPEN_READ).then(
        (fd) => {
          this.opening = null;
          if (this.closed) {
            void fileIo.close(fd).catch(() => undefined);
            throw new Error(`segment ${this.name} is closed`);
          }
          this.logFd = fd;
          return fd;
        },
        (err) => {
          this.opening = null;
          throw err;
        },
      );
    }
    return this.opening;
  }

  /**
   * Whole batches starting with the one that contains `fetchOffset`, all
   * below `maxOffset`, at most `maxBytes` in total except that the first one
   * is always whole. null when the segment holds nothing at or after
   * fetchOffset. `alloc` provides the buffers the data is read into.
   */
  async read(
    fetchOffset: number,
    maxOffset: number,
    maxBytes: number,
    indexIntervalBytes: number,
    alloc?: ReadAlloc,
  ): Promise<Buffer[] | null> {
    const limit = this.size;
    let pos = this.offsetIndex.lookup(fetchOffset - this.baseOffset);
    if (pos >= limit) return null;
    const fd = await this.fd();
    const chunk = clamp(maxBytes + 2 * indexIntervalBytes + BATCH_HEADER_SIZE, MIN_READ_CHUNK, MAX_READ_CHUNK);
    const cur = new FileCursor(fd, limit, chunk, alloc);
    // find the batch holding fetchOffset
    let h: BatchHeaderInfo;
    for (;;) {
      if (pos >= limit || !(await cur.ensure(pos, BATCH_HEADER_SIZE))) return null;
      h = this.header(cur, pos);
      if (h.lastOffset >= fetchOffset) break;
      pos += h.size;
    }
    if (h.lastOffset >= maxOffset) return [];
    // collect whole batches
    const out: Buffer[] = [];
    let sliceStart = pos;
    let p = pos;
    let total = 0;
    cur.chunk = clamp(maxBytes + BATCH_HEADER_SIZE, MIN_READ_CHUNK, MAX_READ_CHUNK);
    const need = async (len: number): Promise<boolean> => {
      if (cur.has(p, len)) return true;
      if (p > sliceStart) out.push(cur.slice(sliceStart, p));
      sliceStart = p;
      return cur.load(p, len);
    };
    for (;;) {
      if (p > pos) {
        if (p >= limit || total + BATCH_HEADER_SIZE > maxBytes) break;
        if (!(await need(BATCH_HEADER_SIZE))) break;
        h = this.header(cur, p);
        if (h.lastOffset >= maxOffset || total + h.size > maxBytes) break;
      }
      if (!(await need(h.size))) {
        if (p === pos) throw new CorruptSegmentError(`segment ${this.name}: batch at ${p} of ${h.size} bytes runs past ${limit}`);
        break;
      }
      p += h.size;
      total += h.size;
    }
    if (p > sliceStart) out.push(cur.slice(sliceStart, p));
    return out;
  }

  private header(cur: FileCursor, pos: number): BatchHeaderInfo {
    const h = headerAt(cur.buf, cur.at(pos), pos);
    if (h.size < BATCH_HEADER_SIZE) throw new CorruptSegmentError(`segment ${this.name}: batch at ${pos} has size ${h.size}`);
    return h;
  }

  /**
   * Walks the batch headers from the index entry at or below `fromOffset`,
   * skipping batches that end before it; `visit` gets each header (and the
   * cursor, whose window holds at least the header) and returns true to stop.
   */
  async scan(
    fromOffset: number,
    visit: (h: BatchHeaderInfo, cur: FileCursor) => boolean | Promise<boolean>,
    chunk = MIN_READ_CHUNK * 4,
  ): Promise<void> {
    const limit = this.size;
    let pos = this.offsetIndex.lookup(fromOffset - this.baseOffset);
    if (pos >= limit) return;
    const cur = new FileCursor(await this.fd(), limit, chunk);
    while (pos < limit) {
      if (!(await cur.ensure(pos, BATCH_HEADER_SIZE))) return;
      const h = this.header(cur, pos);
      if (h.lastOffset >= fromOffset && (await visit(h, cur))) return;
      pos += h.size;
    }
  }

  /** The bytes of the batch described by `h` (read through the cursor). */
  static async batchBytes(h: BatchHeaderInfo, cur: FileCursor): Promise<Buffer> {
    if (!(await cur.ensure(h.position, h.size))) throw new CorruptSegmentError(`batch at ${h.position} runs past the segment end`);
    return cur.slice(h.position, h.position + h.size);
  }

  /** Largest timestamp for retention: the max record timestamp, or the file's mtime when there is none. */
  async largestTimestamp(): Promise<number> {
    if (this.st.maxTimestamp >= 0) return this.st.maxTimestamp;
    try {
      this.mtimeMs = (await fsp.stat(this.logPath)).mtimeMs;
    } catch {
      // keep the last known value
    }
    return this.mtimeMs;
  }

  // ------------------------------------------------------------ closing

  /** Waits for readers and background syncs, then closes every file descriptor. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.refs > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    if (this.pendingSync) await this.pendingSync;
    if (this.opening) await this.opening.catch(() => undefined);
    this.closed = true;
    await this.closeIndexFds();
    const fd = this.logFd;
    this.logFd = null;
    if (fd !== null) await fileIo.close(fd);
  }

  /** Closes, then removes the files (the .log is renamed to .deleted first, so a crash midway leaves nothing that looks alive). */
  async destroy(): Promise<void> {
    await this.close();
    const deleted = `${this.logPath}.deleted`;
    await fsp.rename(this.logPath, deleted).catch(ignoreMissing);
    await fsp.unlink(this.indexPath).catch(ignoreMissing);
    await fsp.unlink(this.timeIndexPath).catch(ignoreMissing);
    await fsp.unlink(deleted).catch(ignoreMissing);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

async function readIfExists(p: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Opens (creating) a file for writing that must hold exactly `content`;
 * rewrites it only when it differs. `known`: what the file was just read to
 * hold; when it still has that size and `content` extends it, only the rest
 * is written (no second read).
 */
async function openWithContent(p: string, content: Buffer, known?: Buffer): Promise<number> {
  const fd = await fileIo.open(p, OPEN_CREATE);
  try {
    const size = (await fileIo.fstat(fd)).size;
    if (
      known !== undefined &&
      size === known.length &&
      content.length >= size &&
      content.subarray(0, size).equals(known)
    ) {
      if (content.length > size) await writeAll(fd, Buffer.from(content.subarray(size)), size);
      return fd;
    }
    const same = size === content.length && (size === 0 || (await readAt(fd, 0, size)).equals(content));
    if (!same) {
      await fileIo.ftruncate(fd, 0);
      if (content.length > 0) await writeAll(fd, Buffer.from(content), 0);
    }
    return fd;
  } catch (err) {
    await fileIo.close(fd).catch(() => undefined);
    throw err;
  }
}
