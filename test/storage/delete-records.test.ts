/**
 * DeleteRecords on a partition log: the log start offset moves up (never
 * down, never past the high watermark), whole segments below it go, reads
 * below it are out of range, and the offset survives a close, a crash
 * (no clean close) and a log that lost its tail.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { LOG_START_OFFSET_FILE, OffsetOutOfRangeError, PartitionLog } from '../../src/storage/partition-log';
import { batch, captureLogger, cfg, cleanupTmpDirs, listDir, readAll, readBatches, seg, tmpDir } from './helpers';

afterAll(cleanupTmpDirs);

const logFiles = async (dir: string) => (await listDir(dir)).filter((f) => f.endsWith('.log'));

/** A log of 8 batches of 2 records, two batches per segment: segments at 0, 4, 8, 12. */
async function eightBatches(dir: string): Promise<PartitionLog> {
  const one = batch(2, { valueSize: 20 }).length;
  const log = await PartitionLog.open(dir, cfg({ segmentBytes: 2 * one }));
  for (let i = 0; i < 8; i++) await log.append(batch(2, { valueSize: 20 }));
  expect(await logFiles(dir)).toEqual([seg(0), seg(4), seg(8), seg(12)]);
  return log;
}

describe('deleteRecordsBefore', () => {
  test('moves the log start offset, deletes the segments wholly below it, and reads below it fail', async () => {
    const dir = await tmpDir();
    const log = await eightBatches(dir);
    expect(await log.deleteRecordsBefore(9)).toBe(9);
    expect(log.logStartOffset).toBe(9);
    // segments 0 and 4 end at or below 9; segment 8 holds offset 9 and stays
    expect(await logFiles(dir)).toEqual([seg(8), seg(12)]);
    await expect(log.read(8, 1000)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    const r = await log.read(9, 1 << 20);
    expect(r.logStartOffset).toBe(9);
    // the batch holding offset 9 starts at 8: returned whole, as Kafka does
    expect(readBatches(r)[0].baseOffset).toBe(8);
    expect(await fsp.readFile(path.join(dir, LOG_START_OFFSET_FILE), 'utf8')).toBe('9\n');
    await log.close();
  });

  test('never moves down; the high watermark is the limit; the active segment stays', async () => {
    const dir = await tmpDir();
    const log = await eightBatches(dir);
    expect(await log.deleteRecordsBefore(5)).toBe(5);
    expect(await log.deleteRecordsBefore(2)).toBe(5);
    await expect(log.deleteRecordsBefore(17)).rejects.toThrow(
      /Cannot increment the log start offset to 17 of partition .* since it is larger than the high watermark 16/,
    );
    expect(log.logStartOffset).toBe(5);
    expect(await log.deleteRecordsBefore(16)).toBe(16);
    expect(await logFiles(dir)).toEqual([seg(12)]);
    expect((await log.read(16, 1000)).records).toEqual([]);
    // appends go on after the deleted range
    const r = await log.append(batch(1));
    expect(r.baseOffset).toBe(16);
    expect(r.logStartOffset).toBe(16);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([16]);
    await log.close();
  });

  test('survives a clean close and a crash (reopen without close)', async () => {
    const dir = await tmpDir();
    const log = await eightBatches(dir);
    await log.deleteRecordsBefore(6);
    await log.close();
    const again = await PartitionLog.open(dir, cfg(), undefined, { cleanShutdown: true });
    expect(again.logStartOffset).toBe(6);
    await expect(again.read(5, 1000)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await again.deleteRecordsBefore(7);
    // no close: as after a kill
    const crashed = await PartitionLog.open(dir, cfg());
    expect(crashed.logStartOffset).toBe(7);
    expect(crashed.logEndOffset).toBe(16);
    expect((await readAll(crashed)).map((b) => b.baseOffset)).toEqual([6, 8, 10, 12, 14]);
    await crashed.close();
    await again.close();
  });

  test('retention past the stored start offset wins (the larger of the two)', async () => {
    const dir = await tmpDir();
    const log = await eightBatches(dir);
    await log.deleteRecordsBefore(1);
    await log.close();
    await fsp.rm(path.join(dir, seg(0)));
    await fsp.rm(path.join(dir, seg(0, '.index')));
    await fsp.rm(path.join(dir, seg(0, '.timeindex')));
    const again = await PartitionLog.open(dir, cfg());
    expect(again.logStartOffset).toBe(4);
    await again.close();
  });

  test('a stored start offset past the recovered log end empties the log and restarts it there', async () => {
    const dir = await tmpDir();
    const log = await eightBatches(dir);
    await log.deleteRecordsBefore(14);
    await log.close();
    // the tail is lost (say, unsynced writes and a power cut): segment 12 holds nothing
    await fsp.truncate(path.join(dir, seg(12)), 0);
    const logger = captureLogger();
    const again = await PartitionLog.open(dir, cfg(), logger);
    expect(again.logStartOffset).toBe(14);
    expect(again.logEndOffset).toBe(14);
    expect(await logFiles(dir)).toEqual([seg(14)]);
    expect(logger.warnings().some((w) => /below the log start offset/.test(w.msg ?? ''))).toBe(true);
    expect((await again.append(batch(1))).baseOffset).toBe(14);
    await again.close();
  });

  test('an unreadable start offset file is ignored with a warning', async () => {
    const dir = await tmpDir();
    const log = await eightBatches(dir);
    await log.close();
    await fsp.writeFile(path.join(dir, LOG_START_OFFSET_FILE), 'garbage');
    const logger = captureLogger();
    const again = await PartitionLog.open(dir, cfg(), logger);
    expect(again.logStartOffset).toBe(0);
    expect(logger.warnings()).toHaveLength(1);
    await again.close();
  });
});

describe('timestamp lookups after deleteRecordsBefore', () => {
  test('never answer an offset below the log start offset, even inside a batch that straddles it', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(batch(10, { ts: 1000 })); // offsets 0-9, timestamps 1000-1009, one batch
    await log.deleteRecordsBefore(4);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 4, timestamp: 1004 });
    expect(await log.offsetForTimestamp(1002)).toEqual({ offset: 4, timestamp: 1004 });
    expect(await log.offsetForTimestamp(1007)).toEqual({ offset: 7, timestamp: 1007 });
    await log.close();
  });
});
