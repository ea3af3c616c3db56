/**
 * Log compaction (cleanup.policy=compact), as Kafka's LogCleaner and
 * LogCleanerManager.
 *
 * A partition's log is the clean part [logStart, firstDirty) (already
 * compacted; firstDirty is the cleaner checkpoint, kept in the partition
 * directory's `cleaner-offset-checkpoint`, written atomically), the dirty
 * part [firstDirty, firstUncleanable), and the rest: the active segment,
 * anything above the high watermark, and the sealed segments whose newest
 * record is younger than min.compaction.lag.ms. A pass:
 *
 *   1. builds the offset map (offset-map.ts), key -> latest offset, over
 *      the dirty part, stopping early at a batch boundary if the map is full
 *      (the pass then ends there: endOffset = the last mapped batch + 1);
 *   2. groups the segments below endOffset into runs of at most
 *      segment.bytes, and copies each run into one new segment keeping a
 *      record when its offset is above the map's latest offset, or it has a
 *      key and no later offset for that key is in the map, and it is not a
 *      tombstone whose batch's delete horizon (KIP-534: set to
 *      now + delete.retention.ms the first time the cleaner keeps a batch
 *      holding a tombstone) has passed; records without a key are dropped
 *      (Kafka counts them as invalid). Batches are rewritten as
 *      cleaner-batch.ts says (offsets never change). A batch left with no
 *      records is dropped, except that an empty header is kept for the last
 *      batch of each producer id in the log (its sequence state) and for the
 *      last batch of each run (so the new segment spans the run's offsets);
 *   3. swaps each new segment in (cleaner-files.ts: crash safe), then
 *      writes the checkpoint endOffset.
 *
 * The active segment is never touched. Work is done in slices: the cleaner
 * yields to the event loop every few milliseconds, so produce and fetch go
 * on while it runs; a pass holds the log's maintenance turn (retention waits)
 * and stops at the next slice when the log or the cleaner closes.
 *
 * The background LogCleaner checks every backoff interval which compacted
 * partition to clean: those whose dirty ratio (dirty bytes / all bytes up to
 * firstUncleanable) is above min.cleanable.dirty.ratio, or whose oldest dirty
 * record is older than max.compaction.lag.ms; the highest ratio first, one
 * partition per pass.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCodecFor } from '../protocol/compression';
import { ATTR_COMPRESSION_MASK, BATCH_HEADER_SIZE, Off } from '../protocol/record-batch';
import { writeFileAtomic } from './atomic-file';
import { BatchView, emptyBatch, forEachKey, hasDeleteHorizon, isControl, rewriteBatch, UnsupportedCodecError } from './cleaner-batch';
import { cleanedPaths, removeDeletedFiles, swapInFiles } from './cleaner-files';
import { fileIo, OPEN_CREATE_TRUNC, writeAll, writevAll } from './file-io';
import { OffsetIndex, TimeIndex } from './indexes';
import { SILENT_LOGGER, StorageLogger } from './log-config';
import { OffsetMap } from './offset-map';
import { PartitionLog } from './partition-log';
import { BatchHeaderInfo, IndexState, LogSegment } from './segment';

export const CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

/** The topic configs the cleaner reads (live, every pass). */
export interface CleanerTopicConfig {
  /** cleanup.policy contains compact. */
  compact: boolean;
  deleteRetentionMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
}

export const DEFAULT_CLEANER_TOPIC_CONFIG: CleanerTopicConfig = Object.freeze({
  compact: true,
  deleteRetentionMs: 86400000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.POSITIVE_INFINITY,
});

export interface CleanerOptions {
  /** log.cleaner.dedupe.buffer.size: memory of the offset map at most. */
  dedupeBufferBytes?: number;
  /** log.cleaner.io.buffer.size-ish: bytes read and written at a time. */
  ioChunkBytes?: number;
  /** Longest stretch of work between two yields to the event loop. */
  sliceMs?: number;
  logger?: StorageLogger;
}

export interface CleanStats {
  firstDirtyOffset: number;
  endOffset: number;
  segmentsCleaned: number;
  segmentsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsRetained: number;
  keysMapped: number;
  ms: number;
}

export interface CleanableInfo {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  ratio: number;
  /** max.compaction.lag.ms is exceeded by the oldest dirty record. */
  mustClean: boolean;
}

export class CleaningAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CleaningAbortedError';
  }
}

// ------------------------------------------------------------ checkpoint

/** The stored first dirty offset of a partition directory, or -1. Kafka's checkpoint format (version 0, one entry). */
export async function readCleanerCheckpoint(dir: string): Promise<number> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(dir, CHECKPOINT_FILE), 'utf8');
  } catch {
    return -1;
  }
  const lines = text.split('\n');
  if (lines[0] !== '0' || lines[1] !== '1') return -1;
  const parts = (lines[2] ?? '').trim().split(' ');
  const n = Number(parts[parts.length - 1]);
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}

export async function writeCleanerCheckpoint(dir: string, offset: number): Promise<void> {
  const m = /^(.*)-(\d+)$/.exec(path.basename(dir));
  const topic = m ? m[1] : path.basename(dir);
  const partition = m ? m[2] : '0';
  await writeFileAtomic(path.join(dir, CHECKPOINT_FILE), `0\n1\n${topic} ${partition} ${offset}\n`);
}

// ------------------------------------------------------------ cleaning one log

export class Cleaner {
  private readonly map: OffsetMap;
  private readonly chunk: number;
  private readonly sliceMs: number;
  private readonly logger: StorageLogger;
  private lastYield = performance.now();
  /** Reused for every batch of a pass (no object per record). */
  private readonly view = new BatchView();
  private keep = new Int32Array(1024);
  /** Set by the owner to stop a pass at its next slice. */
  stopped = false;

  constructor(opts: CleanerOptions = {}) {
    this.map = new OffsetMap(opts.dedupeBufferBytes ?? 128 * 1024 * 1024);
    this.chunk = opts.ioChunkBytes ?? 1024 * 1024;
    this.sliceMs = opts.sliceMs ?? 1;
    this.logger = opts.logger ?? SILENT_LOGGER;
  }

  /** Which part of the log is clean, dirty and cleanable now (LogCleanerManager.cleanableOffsets). */
  async cleanable(log: PartitionLog, cfg: CleanerTopicConfig, now: number): Promise<CleanableInfo> {
    const segs = log.segmentList();
    const active = segs[segs.length - 1];
    const logStart = log.logStartOffset;
    let firstDirty = await readCleanerCheckpoint(log.dir);
    if (firstDirty < logStart || firstDirty > log.logEndOffset) firstDirty = logStart;
    let firstUncleanable = Math.min(active.baseOffset, log.highWatermark);
    const dirtySegs = segs.filter((s) => s !== active && s.endOffset > firstDirty && s.baseOffset < firstUncleanable);
    if (cfg.minCompactionLagMs > 0) {
      for (const s of dirtySegs) {
        if ((await s.largestTimestamp()) > now - cfg.minCompactionLagMs) {
          firstUncleanable = Math.max(firstDirty, Math.min(firstUncleanable, s.baseOffset));
          break;
        }
      }
    }
    let cleanBytes = 0;
    let cleanableBytes = 0;
    for (const s of segs) {
      if (s === active) continue;
      if (s.baseOffset < firstDirty) cleanBytes += s.size;
      if (s.endOffset > firstDirty && s.baseOffset < firstUncleanable) cleanableBytes += s.size;
    }
    const total = cleanBytes + cleanableBytes;
    let mustClean = false;
    if (Number.isFinite(cfg.maxCompactionLagMs) && cleanableBytes > 0) {
      const first = dirtySegs.find((s) => s.baseOffset < firstUncleanable);
      const ts = first ? await firstBatchTimestamp(first) : -1;
      mustClean = ts > 0 && now - ts > cfg.maxCompactionLagMs;
    }
    return {
      firstDirtyOffset: firstDirty,
      firstUncleanableOffset: firstUncleanable,
      cleanBytes,
      cleanableBytes,
      ratio: total > 0 ? cleanableBytes / total : 0,
      mustClean,
    };
  }

  /** One cleaning pass over `log` (whatever its dirty ratio); null when there is nothing to clean. */
  clean(log: PartitionLog, cfg: CleanerTopicConfig, now: number = Date.now()): Promise<CleanStats | null> {
    return log.exclusively(() => this.doClean(log, cfg, now));
  }

  private async doClean(log: PartitionLog, cfg: CleanerTopicConfig, now: number): Promise<CleanStats | null> {
    this.checkStop(log);
    const started = performance.now();
    const info = await this.cleanable(log, cfg, now);
    if (info.firstUncleanableOffset <= info.firstDirtyOffset) return null;
    const stats: CleanStats = {
      firstDirtyOffset: info.firstDirtyOffset,
      endOffset: info.firstDirtyOffset,
      segmentsCleaned: 0,
      segmentsWritten: 0,
      bytesRead: 0,
      bytesWritten: 0,
      recordsRead: 0,
      recordsRetained: 0,
      keysMapped: 0,
      ms: 0,
    };
    // the last batch of each producer id in the log, gathered in log order: the clean part, the mapped part, the rest
    const lastOfProducer = new Map<bigint, number>();
    const segs = log.segmentList();
    await this.collectProducers(segs, log.logStartOffset, info.firstDirtyOffset, lastOfProducer, log);
    const mapped = await this.buildOffsetMap(log, info.firstDirtyOffset, info.firstUncleanableOffset, lastOfProducer);
    if (mapped < 0) return null;
    const endOffset = mapped + 1;
    stats.endOffset = endOffset;
    stats.keysMapped = this.map.size;
    await this.collectProducers(segs, endOffset, log.highWatermark, lastOfProducer, log);
    const toClean = segs.slice(0, -1).filter((s) => s.baseOffset < endOffset);
    const groups = groupSegmentsBySize(toClean, log.config.segmentBytes);
    for (const group of groups) {
      const next = segs[segs.indexOf(group[group.length - 1]) + 1];
      await this.cleanGroup(log, group, next.baseOffset, cfg, now, lastOfProducer, stats);
    }
    await writeCleanerCheckpoint(log.dir, endOffset);
    stats.ms = performance.now() - started;
    this.logger.info(
      {
        dir: log.dir,
        firstDirtyOffset: stats.firstDirtyOffset,
        endOffset,
        segments: `${stats.segmentsCleaned} -> ${stats.segmentsWritten}`,
        bytes: `${stats.bytesRead} -> ${stats.bytesWritten}`,
        records: `${stats.recordsRead} -> ${stats.recordsRetained}`,
        keys: stats.keysMapped,
        ms: Math.round(stats.ms),
      },
      'log cleaned',
    );
    return stats;
  }

  /** Kafka's buildOffsetMap: returns the last offset mapped (-1 if nothing). */
  private async buildOffsetMap(log: PartitionLog, from: number, to: number, lastOfProducer: Map<bigint, number>): Promise<number> {
    const map = this.map;
    map.clear();
    let latest = -1;
    let full = false;
    for (const seg of log.segmentList()) {
      if (full) break;
      if (seg.endOffset <= from || seg.baseOffset >= to) continue;
      await this.scanSegment(log, seg, from, async (h, bytes) => {
        if (h.baseOffset >= to) return true;
        if (h.lastOffset < from) return false;
        if (!map.canTake(h.recordCount)) {
          if (map.size === 0) {
            throw new Error(`a batch of ${h.recordCount} records (offset ${h.baseOffset}) does not fit the offset map (${map.capacity} keys): raise --log-cleaner-dedupe-buffer-size`);
          }
          full = true;
          return true;
        }
        const pid = bytes.readBigInt64BE(Off.producerId);
        if (pid >= 0n) lastOfProducer.set(pid, h.lastOffset);
        if (!isControl(h.attributes)) {
          try {
            forEachKey(bytes, (buf, start, end, offset) => {
              if (offset >= from) map.put(buf, start, end, offset);
            });
          } catch (err) {
            this.unreadable(log, h, err);
          }
        }
        latest = h.lastOffset;
        return false;
      });
    }
    if (full) this.logger.info({ dir: log.dir, keys: map.size, upTo: latest }, 'offset map full: cleaning up to here this pass');
    return latest;
  }

  private async collectProducers(segs: readonly LogSegment[], from: number, to: number, out: Map<bigint, number>, log: PartitionLog): Promise<void> {
    for (const seg of segs) {
      if (seg.endOffset <= from || seg.baseOffset >= to || seg.size === 0) continue;
      await this.scanSegment(log, seg, from, (h, bytes) => {
        if (h.baseOffset >= to) return true;
        const pid = bytes.readBigInt64BE(Off.producerId);
        if (pid >= 0n && h.lastOffset >= from) out.set(pid, h.lastOffset);
        return false;
      }, true);
    }
  }

  /** Visits every batch (header, bytes) of `seg` from `from`, yielding to the event loop between slices. */
  private async scanSegment(
    log: PartitionLog,
    seg: LogSegment,
    from: number,
    visit: (h: BatchHeaderInfo, bytes: Buffer) => boolean | Promise<boolean>,
    headerOnly = false,
  ): Promise<void> {
    seg.acquire();
    try {
      await seg.scan(
        Math.max(from, seg.baseOffset),
        async (h, cur) => {
          await this.maybeYield(log);
          const bytes = headerOnly ? cur.slice(h.position, h.position + BATCH_HEADER_SIZE) : await LogSegment.batchBytes(h, cur);
          return visit(h, bytes);
        },
        this.chunk,
      );
    } finally {
      seg.release();
    }
  }

  private unreadable(log: PartitionLog, h: BatchHeaderInfo, err: unknown): void {
    const level = err instanceof UnsupportedCodecError ? 'info' : 'warn';
    this.logger[level]({ dir: log.dir, offset: h.baseOffset, err: String(err) }, 'cleaner keeps a batch it cannot read as it is');
  }

  private async cleanGroup(
    log: PartitionLog,
    group: LogSegment[],
    groupEnd: number,
    cfg: CleanerTopicConfig,
    now: number,
    lastOfProducer: Map<bigint, number>,
    stats: CleanStats,
  ): Promise<void> {
    const dir = log.dir;
    const base = group[0].baseOffset;
    const interval = log.config.indexIntervalBytes;
    const [indexPath, timeIndexPath, logPath] = cleanedPaths(dir, base);
    const map = this.map;
    const latest = map.latestOffset;
    const fd = await fileIo.open(logPath, OPEN_CREATE_TRUNC);
    let closed = false;
    const st: IndexState = { bytesSinceLastEntry: 0, maxTimestamp: -1, offsetOfMaxTimestamp: -1, lastTimeEntryTimestamp: -1 };
    const off: number[] = [];
    const time: number[] = [];
    let pos = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let written = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await writevAll(fd, pending, written);
      written += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    const emit = async (buf: Buffer) => {
      const baseOffset = Number(buf.readBigInt64BE(Off.baseOffset));
      const maxTs = Number(buf.readBigInt64BE(Off.maxTimestamp));
      LogSegment.indexStep(base, st, pos, baseOffset, buf.length, maxTs, interval, off, time);
      pos += buf.length;
      pending.push(buf);
      pendingBytes += buf.length;
      stats.bytesWritten += buf.length;
      if (pendingBytes >= this.chunk) await flush();
    };
    try {
      for (let gi = 0; gi < group.length; gi++) {
        const seg = group[gi];
        const lastSeg = gi === group.length - 1;
        const segSize = seg.size;
        stats.segmentsCleaned++;
        await this.scanSegment(log, seg, seg.baseOffset, async (h, bytes) => {
          stats.bytesRead += h.size;
          const isLastOfGroup = lastSeg && h.position + h.size >= segSize;
          const pid = bytes.readBigInt64BE(Off.producerId);
          const retainEmpty = isLastOfGroup || (pid >= 0n && lastOfProducer.get(pid) === h.lastOffset);
          if (isControl(h.attributes)) {
            // transaction markers are kept (no transaction index here to tell when they may go)
            stats.recordsRead += Math.max(h.recordCount, 0);
            stats.recordsRetained += Math.max(h.recordCount, 0);
            await emit(bytes);
            return false;
          }
          const v = this.view;
          try {
            v.read(bytes);
          } catch (err) {
            this.unreadable(log, h, err);
            await emit(bytes);
            return false;
          }
          const n = v.count;
          stats.recordsRead += n;
          const retainDeletes = !hasDeleteHorizon(v.attributes) || now < v.baseTimestamp;
          if (this.keep.length < n) this.keep = new Int32Array(Math.max(n, this.keep.length * 2));
          const keep = this.keep;
          let kept = 0;
          let tombstones = false;
          for (let i = 0; i < n; i++) {
            const offset = v.offset[i];
            const tombstone = v.valueNull[i] === 1;
            let retain: boolean;
            if (offset > latest) retain = true;
            else if (v.keyStart[i] < 0) retain = false;
            else retain = offset >= map.get(v.records, v.keyStart[i], v.keyEnd[i]) && (!tombstone || retainDeletes);
            if (retain) {
              keep[kept++] = i;
              if (tombstone) tombstones = true;
            }
          }
          stats.recordsRetained += kept;
          if (kept > 0) {
            const setHorizon = tombstones && !hasDeleteHorizon(v.attributes);
            if (kept === n && !setHorizon) await emit(bytes);
            else {
              // the rewritten batch keeps its codec: zstd compresses only once its module is loaded
              await loadCodecFor(v.attributes & ATTR_COMPRESSION_MASK);
              await emit(rewriteBatch(v, keep, setHorizon ? now + cfg.deleteRetentionMs : -1, kept));
            }
          } else if (retainEmpty) {
            await emit(emptyBatch(bytes));
          }
          return false;
        });
      }
      await flush();
      // the final time index entry, as when a segment is sealed
      if (st.maxTimestamp >= 0 && st.maxTimestamp > st.lastTimeEntryTimestamp) {
        time.push(st.maxTimestamp, st.offsetOfMaxTimestamp - base);
        st.lastTimeEntryTimestamp = st.maxTimestamp;
      }
      await fileIo.fsync(fd);
      await fileIo.close(fd);
      closed = true;
      await writeSynced(indexPath, OffsetIndex.encode(off));
      await writeSynced(timeIndexPath, TimeIndex.encode(time));
      // keep the originals' modification time (retention of segments without timestamps uses it)
      const mtime = (await fsp.stat(group[group.length - 1].logPath)).mtime;
      await fsp.utimes(logPath, mtime, mtime);
      this.checkStop(log);
    } catch (err) {
      if (!closed) await fileIo.close(fd).catch(() => undefined);
      for (const p of [indexPath, timeIndexPath, logPath]) await fsp.rm(p, { force: true });
      throw err;
    }
    await swapInFiles(dir, base, group);
    const cleaned = await LogSegment.loadSealed(dir, base, groupEnd, interval, this.logger);
    if (!log.replaceSegments(group, cleaned)) {
      // cannot happen while the pass holds the maintenance turn; the files are right, the next open picks them up
      await cleaned.close();
      throw new CleaningAbortedError(`segments of ${dir} changed during cleaning`);
    }
    stats.segmentsWritten++;
    for (const old of group) {
      void old
        .close()
        .then(() => removeDeletedFiles(old))
        .catch((err: unknown) => this.logger.warn({ dir, segment: old.name, err: String(err) }, 'removing a replaced segment failed'));
    }
  }

  private checkStop(log: PartitionLog): void {
    if (this.stopped) throw new CleaningAbortedError('cleaner stopped');
    if (log.isClosing) throw new CleaningAbortedError(`log ${log.dir} is closing`);
  }

  private async maybeYield(log: PartitionLog): Promise<void> {
    const t = performance.now();
    if (t - this.lastYield < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    this.checkStop(log);
  }
}

/** Kafka's groupSegmentsBySize: consecutive runs of at most maxSize bytes and an int32 offset span. */
export function groupSegmentsBySize(segs: LogSegment[], maxSize: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segs.length) {
    const group = [segs[i]];
    let size = segs[i].size;
    i++;
    while (i < segs.length && size + segs[i].size <= maxSize && segs[i].endOffset - 1 - group[0].baseOffset <= 0x7fffffff) {
      size += segs[i].size;
      group.push(segs[i]);
      i++;
    }
    groups.push(group);
  }
  return groups;
}

async function firstBatchTimestamp(seg: LogSegment): Promise<number> {
  let ts = -1;
  seg.acquire();
  try {
    await seg.scan(seg.baseOffset, (h) => {
      ts = h.maxTimestamp;
      return true;
    });
  } finally {
    seg.release();
  }
  return ts;
}

async function writeSynced(p: string, data: Buffer): Promise<void> {
  const fd = await fileIo.open(p, OPEN_CREATE_TRUNC);
  try {
    if (data.length > 0) await writeAll(fd, data, 0);
    await fileIo.fsync(fd);
  } finally {
    await fileIo.close(fd);
  }
}

// ------------------------------------------------------------ the background cleaner

export interface CompactedLog {
  name: string;
  log: PartitionLog;
  /** Read every pass, so config changes apply at once. */
  config(): CleanerTopicConfig;
}

export interface LogCleanerSettings extends CleanerOptions {
  /** log.cleaner.backoff.ms: pause between checks when nothing needed cleaning. */
  backoffMs: number;
}

/** Cleans compacted partitions in the background, one at a time (Kafka's CleanerThread). */
export class LogCleaner {
  private readonly cleaner: Cleaner;
  private readonly logger: StorageLogger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** Passes completed (for tests and logs). */
  passes = 0;
  private readonly uncleanable = new WeakSet<PartitionLog>();

  constructor(
    private readonly settings: LogCleanerSettings,
    private readonly logs: () => Iterable<CompactedLog>,
  ) {
    this.cleaner = new Cleaner(settings);
    this.logger = settings.logger ?? SILENT_LOGGER;
  }

  start(): void {
    if (this.stopped || this.timer) return;
    this.schedule(this.settings.backoffMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.cleanOnce()
        .then((cleaned) => this.schedule(cleaned ? 0 : this.settings.backoffMs))
        .catch((err: unknown) => {
          if (!(err instanceof CleaningAbortedError)) this.logger.warn({ err: String(err) }, 'log cleaning failed');
          this.schedule(this.settings.backoffMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** Picks the dirtiest cleanable compacted partition and cleans it; false if none needed it. */
  async cleanOnce(now: number = Date.now()): Promise<boolean> {
    let best: { entry: CompactedLog; cfg: CleanerTopicConfig; ratio: number } | null = null;
    for (const entry of this.logs()) {
      if (this.stopped) return false;
      const cfg = entry.config();
      if (!cfg.compact || entry.log.isClosing || this.uncleanable.has(entry.log)) continue;
      let info: CleanableInfo;
      try {
        info = await this.cleaner.cleanable(entry.log, cfg, now);
      } catch (err) {
        this.logger.warn({ log: entry.name, err: String(err) }, 'could not size a log for cleaning');
        continue;
      }
      const wanted = (info.mustClean && info.cleanableBytes > 0) || info.ratio > cfg.minCleanableDirtyRatio;
      if (!wanted) continue;
      const score = info.mustClean ? 2 + info.ratio : info.ratio;
      if (!best || score > best.ratio) best = { entry, cfg, ratio: score };
    }
    if (!best || this.stopped) return false;
    let stats: CleanStats | null;
    try {
      stats = await this.cleaner.clean(best.entry.log, best.cfg, now);
    } catch (err) {
      if (err instanceof CleaningAbortedError) throw err;
      // as Kafka marks a partition uncleanable: it is left alone (until restart) so the others still get cleaned
      this.uncleanable.add(best.entry.log);
      this.logger.warn({ log: best.entry.name, err: String(err) }, 'cleaning failed; the log is not cleaned again until restart');
      return false;
    }
    this.passes++;
    return stats !== null && stats.segmentsCleaned > 0;
  }

  /** Logs a pass failed on (Kafka's uncleanable partitions). */
  isUncleanable(log: PartitionLog): boolean {
    return this.uncleanable.has(log);
  }

  /** Stops the cleaner; a pass in progress ends at its next slice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cleaner.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
  }
}
