/**
 * The log cleaner's file protocol (Kafka's .cleaned / .swap / .deleted
 * suffixes, LocalLog.replaceSegments and LogLoader), so a kill at any moment
 * loses nothing and duplicates no offset:
 *
 *   1. the cleaned copy of segments S1..Sn is written as
 *      `<base>.log.cleaned` (+ `.index.cleaned`, `.timeindex.cleaned`),
 *      base = S1's base offset, and fsynced;
 *   2. its files are renamed to `.swap` (indexes first, the log last) and
 *      the directory fsynced: from here on the cleaned copy wins;
 *   3. S1..Sn's files are renamed to `.deleted`;
 *   4. the `.swap` files are renamed to their final names (indexes first,
 *      the log last) and the directory fsynced;
 *   5. the `.deleted` files are removed once no read uses them.
 *
 * Opening a log (recoverCleanerFiles) undoes step 1 (`.cleaned` files are
 * removed: the originals are all still there) and completes steps 2-4: for
 * each `<base>.log.swap` it finds the offset after its last batch and
 * removes every segment whose base offset lies in [base, that offset) (the
 * originals, which the cleaned copy replaces: the cleaner always keeps the
 * last batch of each group so the copy spans the originals' whole range),
 * removes index files of that base (they are rebuilt), and renames the
 * `.swap` log into place. Index `.swap` files without their log are removed;
 * `.deleted` files are removed by the caller.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { BATCH_HEADER_SIZE, checkBatchAt, LOG_OVERHEAD } from '../protocol/record-batch';
import { fsyncDir } from './atomic-file';
import { FileCursor, fileIo, OPEN_READ } from './file-io';
import { StorageLogger } from './log-config';
import { F_BASE_OFFSET, F_BATCH_LENGTH, F_LAST_OFFSET_DELTA, INDEX_SUFFIX, LOG_SUFFIX, LogSegment, TIME_INDEX_SUFFIX, segmentFileName } from './segment';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const DELETED_SUFFIX = '.deleted';

/** The renames and removals of a swap, through one object so tests can stop them at any step (a simulated crash). */
export const cleanerFs = {
  rename: (from: string, to: string): Promise<void> => fsp.rename(from, to),
  unlink: (p: string): Promise<void> => fsp.unlink(p),
};

const SEGMENT_SUFFIXES = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX];
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;
const SWAP_LOG = /^(\d{20})\.log\.swap$/;

export function cleanedPaths(dir: string, base: number): string[] {
  return SEGMENT_SUFFIXES.map((s) => path.join(dir, segmentFileName(base, s) + CLEANED_SUFFIX));
}

/** Steps 2-4 for a cleaned copy at `base` (already fsynced) replacing `old`. */
export async function swapInFiles(dir: string, base: number, old: LogSegment[]): Promise<void> {
  for (const s of SEGMENT_SUFFIXES) {
    const name = segmentFileName(base, s);
    await cleanerFs.rename(path.join(dir, name + CLEANED_SUFFIX), path.join(dir, name + SWAP_SUFFIX));
  }
  await fsyncDir(dir);
  for (const seg of old) {
    await seg.ensureOpen(); // readers keep using the open file after the rename
    for (const p of [seg.indexPath, seg.timeIndexPath, seg.logPath]) {
      await cleanerFs.rename(p, p + DELETED_SUFFIX).catch(ignoreMissing);
    }
  }
  for (const s of SEGMENT_SUFFIXES) {
    const name = segmentFileName(base, s);
    await cleanerFs.rename(path.join(dir, name + SWAP_SUFFIX), path.join(dir, name));
  }
  await fsyncDir(dir);
}

/** Step 5 for one replaced segment (after it was closed). */
export async function removeDeletedFiles(seg: LogSegment): Promise<void> {
  for (const p of [seg.indexPath, seg.timeIndexPath, seg.logPath]) await cleanerFs.unlink(p + DELETED_SUFFIX).catch(ignoreMissing);
}

/** Finishes or undoes an interrupted cleaner swap in `dir`; true if anything changed. */
export async function recoverCleanerFiles(dir: string, names: string[], logger: StorageLogger): Promise<boolean> {
  let changed = false;
  for (const name of names) {
    if (!name.endsWith(CLEANED_SUFFIX)) continue;
    logger.info({ dir, file: name }, 'removing an unfinished cleaned segment');
    await fsp.rm(path.join(dir, name), { force: true });
    changed = true;
  }
  const swaps = names.map((n) => SWAP_LOG.exec(n)).filter((m): m is RegExpExecArray => m !== null);
  for (const m of swaps) {
    const base = Number(m[1]);
    const swapPath = path.join(dir, m[0]);
    const next = await offsetAfterLastBatch(swapPath, base);
    const present = await fsp.readdir(dir);
    for (const other of present) {
      const sm = SEGMENT_FILE.exec(other);
      if (!sm) continue;
      const b = Number(sm[1]);
      if (b >= base && b < next) {
        logger.info({ dir, file: other }, 'removing a segment file replaced by a cleaned segment');
        await fsp.rm(path.join(dir, other), { force: true });
      }
    }
    for (const s of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) await fsp.rm(path.join(dir, segmentFileName(base, s) + SWAP_SUFFIX), { force: true });
    await fsp.rename(swapPath, path.join(dir, segmentFileName(base, LOG_SUFFIX)));
    logger.info({ dir, segment: segmentFileName(base, LOG_SUFFIX), replacedUpTo: next }, 'completed the swap of a cleaned segment');
    changed = true;
  }
  for (const name of await fsp.readdir(dir)) {
    if (!name.endsWith(SWAP_SUFFIX)) continue;
    logger.info({ dir, file: name }, 'removing an index swap file without its log');
    await fsp.rm(path.join(dir, name), { force: true });
    changed = true;
  }
  if (changed) await fsyncDir(dir);
  return changed;
}

/** The offset after the last complete, valid batch of a segment file (its base offset if none). */
export async function offsetAfterLastBatch(file: string, base: number): Promise<number> {
  const fd = await fileIo.open(file, OPEN_READ);
  try {
    const size = (await fileIo.fstat(fd)).size;
    const cur = new FileCursor(fd, size, 4 * 1024 * 1024);
    let pos = 0;
    let next = base;
    while (pos + BATCH_HEADER_SIZE <= size) {
      if (!(await cur.ensure(pos, LOG_OVERHEAD))) break;
      const len = LOG_OVERHEAD + cur.buf.readInt32BE(cur.at(pos) + F_BATCH_LENGTH);
      if (len < BATCH_HEADER_SIZE || !(await cur.ensure(pos, len))) break;
      const i = cur.at(pos);
      if (checkBatchAt(cur.buf.subarray(i, i + len), 0).problem.kind !== 'ok') break;
      next = Number(cur.buf.readBigInt64BE(i + F_BASE_OFFSET)) + cur.buf.readInt32BE(i + F_LAST_OFFSET_DELTA) + 1;
      pos += len;
    }
    return next;
  } finally {
    await fileIo.close(fd);
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
