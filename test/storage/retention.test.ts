import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { OffsetOutOfRangeError, PartitionLog } from '../../src/storage/partition-log';
import { batch, cfg, cleanupTmpDirs, listDir, readAll, readBatches, seg, tmpDir } from './helpers';

afterAll(cleanupTmpDirs);

const DAY = 24 * 3600 * 1000;
const logFiles = async (dir: string) => (await listDir(dir)).filter((f) => f.endsWith('.log'));

describe('retention', () => {
  test('by time: sealed segments whose newest record is too old go; the log start offset moves', async () => {
    const dir = await tmpDir();
    const now = Date.now();
    const one = batch(2, { valueSize: 20 }).length;
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 2 * one, retentionMs: 7 * DAY }));
    const ages = [10, 9, 8, 1, 0.5, 0.1, 0, 0]; // days; two batches per segment
    for (const age of ages) await log.append(batch(2, { valueSize: 20, ts: now - age * DAY }));
    expect(await logFiles(dir)).toEqual([seg(0), seg(4), seg(8), seg(12)]);
    expect(await log.applyRetention(now)).toBe(1); // segment 0 (10 and 9 days); segment 4 holds a 1-day-old record
    expect(log.logStartOffset).toBe(4);
    expect(await logFiles(dir)).toEqual([seg(4), seg(8), seg(12)]);
    expect(await listDir(dir)).not.toContain(seg(0, '.index'));
    expect(await listDir(dir)).not.toContain(seg(0, '.timeindex'));
    await expect(log.read(2, 1000)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect(readBatches(await log.read(4, 1 << 20))[0].baseOffset).toBe(4);
    // 6.5 days later segment 4 (newest record 1 day old) is past retention too, segment 8 not yet
    expect(await log.applyRetention(now + 6.5 * DAY)).toBe(1);
    expect(log.logStartOffset).toBe(8);
    expect(await log.applyRetention(now + 6.5 * DAY)).toBe(0);
    expect(log.logEndOffset).toBe(16);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([8, 10, 12, 14]);
    await log.close();
    const again = await PartitionLog.open(dir, cfg());
    expect(again.logStartOffset).toBe(8);
    expect(again.logEndOffset).toBe(16);
    await again.close();
  });

  test('by time: an expired active segment is rolled, then deleted', async () => {
    const dir = await tmpDir();
    const now = Date.now();
    const log = await PartitionLog.open(dir, cfg({ retentionMs: DAY }));
    await log.append(batch(3, { ts: now - 3 * DAY }));
    await log.append(batch(2, { ts: now - 2 * DAY }));
    expect(await log.applyRetention(now)).toBe(1);
    expect(log.logStartOffset).toBe(5);
    expect(log.logEndOffset).toBe(5);
    expect(log.sizeBytes).toBe(0);
    expect(await logFiles(dir)).toEqual([seg(5)]);
    expect((await log.read(5, 100)).records).toEqual([]);
    expect((await log.append(batch(1, { ts: now }))).baseOffset).toBe(5);
    expect(await log.applyRetention(now)).toBe(0);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([5]);
    await log.close();
  });

  test('by time: segments without usable timestamps use the file mtime', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ retentionMs: DAY, segmentBytes: 1 }));
    await log.append(batch(1, { ts: -1 }));
    await log.append(batch(1, { ts: -1 }));
    const old = new Date(Date.now() - 2 * DAY);
    await fsp.utimes(path.join(dir, seg(0)), old, old);
    expect(await log.applyRetention()).toBe(1);
    expect(await logFiles(dir)).toEqual([seg(1)]);
    await log.close();
  });

  test('by size: the oldest sealed segments go while the rest still reaches retention.bytes', async () => {
    const dir = await tmpDir();
    const one = batch(1, { valueSize: 50 }).length;
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 2 * one, retentionBytes: 5 * one, retentionMs: -1 }));
    for (let i = 0; i < 10; i++) await log.append(batch(1, { valueSize: 50 }));
    expect(await logFiles(dir)).toEqual([seg(0), seg(2), seg(4), seg(6), seg(8)]);
    expect(log.sizeBytes).toBe(10 * one);
    // 10 -> 8 -> 6 (each step still >= 5 segments' worth), 6 - 2 = 4 < 5 stops
    expect(await log.applyRetention()).toBe(2);
    expect(log.logStartOffset).toBe(4);
    expect(log.sizeBytes).toBe(6 * one);
    expect(await logFiles(dir)).toEqual([seg(4), seg(6), seg(8)]);
    log.updateConfig({ ...log.config, retentionBytes: 0 });
    expect(await log.applyRetention()).toBe(2); // never the active segment
    expect(await logFiles(dir)).toEqual([seg(8)]);
    expect(log.logStartOffset).toBe(8);
    await log.close();
  });

  test('a read in progress keeps a deleted segment readable', async () => {
    const dir = await tmpDir();
    const one = batch(1, { valueSize: 50 }).length;
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: one, retentionBytes: 0, retentionMs: -1 }));
    for (let i = 0; i < 4; i++) await log.append(batch(1, { valueSize: 50 }));
    const reading = log.read(0, 1 << 20);
    const retention = log.applyRetention();
    const r = await reading;
    expect(readBatches(r).map((b) => b.baseOffset)).toEqual([0]);
    expect(await retention).toBe(3);
    await log.close();
  });
});
