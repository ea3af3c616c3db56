import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { PartitionLog } from '../../src/storage/partition-log';
import { batch, captureLogger, cfg, cleanupTmpDirs, listDir, readAll, seg, tmpDir } from './helpers';

afterAll(cleanupTmpDirs);

async function copyDir(from: string, to: string): Promise<void> {
  await fsp.mkdir(to, { recursive: true });
  for (const f of await fsp.readdir(from)) await fsp.copyFile(path.join(from, f), path.join(to, f));
}

describe('recovery of the active segment', () => {
  test('a torn last batch, cut at every byte, is truncated; earlier batches stay; appends continue', async () => {
    const base = await tmpDir();
    const original = path.join(base, 'original');
    const config = cfg({ indexIntervalBytes: 60, segmentBytes: 700 });
    const log = await PartitionLog.open(original, config);
    for (let i = 0; i < 13; i++) await log.append(batch(1 + (i % 3), { tag: `b${i}`, valueSize: 10 }));
    const before = await readAll(log);
    await log.close();
    const logs = (await listDir(original)).filter((f) => f.endsWith('.log'));
    expect(logs.length).toBeGreaterThan(1); // the active segment is not the first one
    const active = logs[logs.length - 1];
    const activeBase = Number(active.slice(0, 20));
    const inActive = before.filter((b) => b.baseOffset >= activeBase);
    expect(inActive.length).toBeGreaterThan(1);
    const last = inActive[inActive.length - 1];
    const lastStart = inActive.slice(0, -1).reduce((n, b) => n + b.size, 0);
    const lastEnd = lastStart + last.size;
    expect((await fsp.stat(path.join(original, active))).size).toBe(lastEnd);

    for (let len = lastStart; len < lastEnd; len++) {
      const dir = path.join(base, `cut-${len}`);
      await copyDir(original, dir);
      await fsp.truncate(path.join(dir, active), len);
      const logger = captureLogger();
      const reopened = await PartitionLog.open(dir, config, logger);
      expect(reopened.logEndOffset).toBe(last.baseOffset);
      expect(reopened.highWatermark).toBe(last.baseOffset);
      expect((await fsp.stat(path.join(dir, active))).size).toBe(lastStart);
      if (len > lastStart) {
        const warns = logger.warnings();
        expect(warns).toHaveLength(1);
        expect(warns[0].o).toMatchObject({ truncatedBytes: len - lastStart, kind: 'truncated' });
        expect(warns[0].msg).toContain(`${len - lastStart} bytes cut`);
      } else {
        expect(logger.warnings()).toHaveLength(0);
      }
      const got = await readAll(reopened);
      expect(got.map((b) => b.bytes)).toEqual(before.slice(0, -1).map((b) => b.bytes));
      const r = await reopened.append(batch(2, { tag: 'after' }));
      expect(r.baseOffset).toBe(last.baseOffset);
      const tail = await reopened.read(last.baseOffset, 1 << 20);
      expect(tail.records.length).toBeGreaterThan(0);
      const all = await readAll(reopened);
      expect(all.map((b) => b.baseOffset)).toEqual([...before.slice(0, -1).map((b) => b.baseOffset), last.baseOffset]);
      await reopened.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  test('a batch with a bad CRC is cut together with everything after it', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = batch(2, { tag: `c${i}` });
      sizes.push(b.length);
      await log.append(b);
    }
    await log.close();
    // corrupt one byte inside the records of the 4th batch
    const file = path.join(dir, seg(0));
    const content = await fsp.readFile(file);
    const at = sizes[0] + sizes[1] + sizes[2] + 65;
    content[at] ^= 0xff;
    await fsp.writeFile(file, content);
    const logger = captureLogger();
    const again = await PartitionLog.open(dir, cfg(), logger);
    expect(again.logEndOffset).toBe(6);
    expect((await readAll(again)).map((b) => b.baseOffset)).toEqual([0, 2, 4]);
    const warns = logger.warnings();
    expect(warns).toHaveLength(1);
    expect(warns[0].o).toMatchObject({ kind: 'corrupt', truncatedBytes: sizes[3] + sizes[4] });
    expect(JSON.stringify(warns[0].o)).toMatch(/CRC/);
    expect((await again.append(batch(1))).baseOffset).toBe(6);
    await again.close();
  });

  test('a bad magic byte and a garbage length are cut', async () => {
    for (const damage of ['magic', 'length'] as const) {
      const dir = await tmpDir();
      const log = await PartitionLog.open(dir, cfg());
      const a = batch(2);
      await log.append(a);
      await log.append(batch(2));
      await log.close();
      const file = path.join(dir, seg(0));
      const content = await fsp.readFile(file);
      if (damage === 'magic') content[a.length + 16] = 1;
      else content.writeInt32BE(0x7ffffff0, a.length + 8);
      await fsp.writeFile(file, content);
      const logger = captureLogger();
      const again = await PartitionLog.open(dir, cfg(), logger);
      expect(again.logEndOffset).toBe(2);
      expect(logger.warnings()[0].o).toMatchObject({ kind: damage === 'magic' ? 'corrupt' : 'truncated' });
      await again.close();
    }
  });

  test('an empty directory is a new log at offset 0; leftover and orphan files are removed', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(path.join(dir, 'topic-0'), cfg());
    expect(log.logEndOffset).toBe(0);
    expect(log.logStartOffset).toBe(0);
    expect(await listDir(path.join(dir, 'topic-0'))).toEqual([seg(0, '.index'), seg(0), seg(0, '.timeindex')]);
    await log.append(batch(3));
    await log.close();
    const d = path.join(dir, 'topic-0');
    await fsp.writeFile(path.join(d, seg(0, '.log.deleted')), 'x');
    await fsp.writeFile(path.join(d, seg(0, '.index.123.4.tmp')), 'x');
    await fsp.writeFile(path.join(d, seg(50, '.index')), Buffer.alloc(8));
    await fsp.writeFile(path.join(d, seg(50, '.timeindex')), Buffer.alloc(12));
    const again = await PartitionLog.open(d, cfg());
    expect(await listDir(d)).toEqual([seg(0, '.index'), seg(0), seg(0, '.timeindex')]);
    expect(again.logEndOffset).toBe(3);
    await again.close();
  });
});

describe('recovery of indexes', () => {
  test('missing, garbage and inconsistent index files are rebuilt; reads still work', async () => {
    const dir = await tmpDir();
    const config = cfg({ indexIntervalBytes: 80, segmentBytes: 900 });
    const log = await PartitionLog.open(dir, config);
    for (let i = 0; i < 40; i++) await log.append(batch(1 + (i % 2), { tag: `i${i}`, valueSize: 15, ts: 1000 + i }));
    const before = await readAll(log);
    await log.close();
    const files = await listDir(dir);
    const logs = files.filter((f) => f.endsWith('.log'));
    expect(logs.length).toBeGreaterThanOrEqual(5);
    const saved = new Map<string, Buffer>();
    for (const f of files) saved.set(f, await fsp.readFile(path.join(dir, f)));
    const idx = (k: number, s: string) => path.join(dir, logs[k].replace('.log', s));
    for (const k of [0, 1, 2, 3]) expect(saved.get(path.basename(idx(k, '.index')))!.length).toBeGreaterThan(8);

    await fsp.rm(idx(0, '.index')); // missing
    await fsp.writeFile(idx(1, '.timeindex'), Buffer.from('garbage')); // size not a multiple of 12
    const decreasing = Buffer.from(saved.get(path.basename(idx(2, '.index')))!);
    decreasing.copy(decreasing, 0, 8, 16); // first entry == second entry: not increasing
    await fsp.writeFile(idx(2, '.index'), decreasing);
    const pastEnd = Buffer.from(saved.get(path.basename(idx(3, '.index')))!);
    pastEnd.writeInt32BE(1 << 30, pastEnd.length - 4); // position past the end of the log
    await fsp.writeFile(idx(3, '.index'), pastEnd);
    await fsp.writeFile(idx(logs.length - 1, '.index'), Buffer.alloc(5)); // active: always rebuilt

    const logger = captureLogger();
    const again = await PartitionLog.open(dir, config, logger);
    expect(logger.warnings().filter((w) => /rebuilding/.test(w.msg ?? '')).length).toBe(4);
    expect(again.logEndOffset).toBe(log.logEndOffset);
    for (const f of files) expect([f, await fsp.readFile(path.join(dir, f))]).toEqual([f, saved.get(f)]);
    // reading from every offset works
    for (let off = 0; off < again.logEndOffset; off++) {
      const r = await again.read(off, 1);
      const first = r.records[0];
      const baseOffset = Number(first.readBigInt64BE(0));
      const lastOffset = baseOffset + first.readInt32BE(23);
      expect(baseOffset <= off && off <= lastOffset).toBe(true);
    }
    expect((await readAll(again)).map((b) => b.bytes)).toEqual(before.map((b) => b.bytes));
    expect(await again.offsetForTimestamp(1020)).toEqual({ offset: expect.any(Number), timestamp: 1020 });
    await again.close();
  });
});
