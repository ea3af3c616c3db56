import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { checkBatchAt } from '../../src/protocol/record-batch';
import { fileIo } from '../../src/storage/file-io';
import { OffsetOutOfRangeError, PartitionLog } from '../../src/storage/partition-log';
import { batch, batchWithTimestamps, cfg, cleanupTmpDirs, listDir, readAll, readBatches, seg, splitBatches, tmpDir } from './helpers';

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanupTmpDirs();
});

describe('append and read', () => {
  test('offsets are assigned in call order and patched into the stored batches', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    expect(log.logStartOffset).toBe(0);
    expect(log.logEndOffset).toBe(0);
    expect(log.highWatermark).toBe(0);
    const inputs = [batch(3, { tag: 'a' }), batch(1, { tag: 'b' }), batch(5, { tag: 'c' }), batch(2, { tag: 'd' })];
    const copies = inputs.map((b) => Buffer.from(b));
    const promises = inputs.map((b) => log.append(b, 7));
    // assigned synchronously
    expect(log.logEndOffset).toBe(11);
    expect(log.highWatermark).toBe(0);
    const results = await Promise.all(promises);
    expect(results).toEqual([
      { baseOffset: 0, lastOffset: 2, logStartOffset: 0 },
      { baseOffset: 3, lastOffset: 3, logStartOffset: 0 },
      { baseOffset: 4, lastOffset: 8, logStartOffset: 0 },
      { baseOffset: 9, lastOffset: 10, logStartOffset: 0 },
    ]);
    expect(log.highWatermark).toBe(11);

    const all = await readAll(log);
    expect(all.map((b) => [b.baseOffset, b.lastOffset, b.epoch])).toEqual([
      [0, 2, 7],
      [3, 3, 7],
      [4, 8, 7],
      [9, 10, 7],
    ]);
    for (let i = 0; i < all.length; i++) {
      // only baseOffset (0..7) and the leader epoch (12..15) differ from the input
      expect(all[i].bytes.subarray(16)).toEqual(copies[i].subarray(16));
      expect(all[i].bytes.subarray(8, 12)).toEqual(copies[i].subarray(8, 12));
      expect(checkBatchAt(all[i].bytes, 0).problem.kind).toBe('ok');
    }
    expect(log.sizeBytes).toBe(copies.reduce((n, b) => n + b.length, 0));
    await log.close();
  });

  test('reading from every offset, also inside a batch, starts with the containing batch', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ indexIntervalBytes: 100 }));
    const sizes = [4, 1, 7, 3, 2, 6, 1, 1, 5];
    const expected: { base: number; last: number }[] = [];
    let next = 0;
    for (const n of sizes) {
      const r = await log.append(batch(n, { valueSize: 20 }));
      expect(r.baseOffset).toBe(next);
      expected.push({ base: next, last: next + n - 1 });
      next += n;
    }
    for (let off = 0; off < next; off++) {
      const r = await log.read(off, 1 << 20);
      const bs = readBatches(r);
      const k = expected.findIndex((e) => e.base <= off && off <= e.last);
      expect(bs.map((b) => b.baseOffset)).toEqual(expected.slice(k).map((e) => e.base));
      expect(r.highWatermark).toBe(next);
      expect(r.logStartOffset).toBe(0);
    }
    expect((await log.read(next, 1 << 20)).records).toEqual([]);
    await log.close();
  });

  test('all appends of one event-loop turn go to disk in one write; appends during a write wait for the next', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    const writev = jest.spyOn(fileIo, 'writevSync');
    const first = Array.from({ length: 50 }, (_, i) => log.append(batch(2, { tag: `x${i}` })));
    expect(writev).toHaveBeenCalledTimes(0); // not written synchronously
    await new Promise((r) => setImmediate(r));
    expect(writev).toHaveBeenCalledTimes(1);
    expect(writev.mock.calls[0][1]).toHaveLength(50); // the 50 batch buffers gathered into one writev
    // appends made after the write was issued queue for the next write
    const second = Array.from({ length: 30 }, (_, i) => log.append(batch(1, { tag: `y${i}` })));
    const results = await Promise.all([...first, ...second]);
    expect(writev).toHaveBeenCalledTimes(2);
    expect(writev.mock.calls[1][1]).toHaveLength(30);
    expect(results.map((r) => r.baseOffset)).toEqual([...first.map((_, i) => i * 2), ...second.map((_, i) => 100 + i)]);
    expect((await readAll(log)).length).toBe(80);
    await log.close();
  });

  test('onAppend fires after the high watermark moved', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    const seen: number[] = [];
    log.onAppend = () => seen.push(log.highWatermark);
    await Promise.all([log.append(batch(2)), log.append(batch(3))]);
    await log.append(batch(1));
    expect(seen).toEqual([5, 6]);
    await log.close();
  });

  test('maxBytes: whole batches only, the first one always whole', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = batch(3, { valueSize: 50 + i * 10 });
      sizes.push(b.length);
      await log.append(b);
    }
    const bases = async (off: number, max: number) => readBatches(await log.read(off, max)).map((b) => b.baseOffset);
    expect(await bases(0, sizes[0] + sizes[1])).toEqual([0, 3]);
    expect(await bases(0, sizes[0] + sizes[1] - 1)).toEqual([0]);
    expect(await bases(0, sizes[0])).toEqual([0]);
    expect(await bases(0, 1)).toEqual([0]); // bigger than maxBytes, returned whole
    expect(await bases(0, 0)).toEqual([0]);
    expect(await bases(4, 1)).toEqual([3]);
    expect(await bases(4, sizes[1] + sizes[2] + sizes[3])).toEqual([3, 6, 9]);
    const one = await log.read(7, 10);
    expect(one.records.reduce((n, b) => n + b.length, 0)).toBe(sizes[2]);
    await log.close();
  });

  test('maxOffset bounds the read to batches entirely below it', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(batch(3));
    await log.append(batch(3));
    await log.append(batch(3));
    const bases = async (off: number, maxOffset: number) =>
      readBatches(await log.read(off, 1 << 20, maxOffset)).map((b) => b.baseOffset);
    expect(await bases(0, 6)).toEqual([0, 3]);
    expect(await bases(0, 5)).toEqual([0]);
    expect(await bases(0, 3)).toEqual([0]);
    expect(await bases(0, 2)).toEqual([]);
    expect(await bases(4, 4)).toEqual([]);
    expect(await bases(9, 20)).toEqual([]);
    await log.close();
  });

  test('offsets outside [logStartOffset, logEndOffset] are out of range', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await expect(log.read(1, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await log.read(0, 100)).records).toEqual([]);
    await log.append(batch(4));
    await expect(log.read(-1, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(log.read(5, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await log.read(4, 100)).records).toEqual([]);
    expect(readBatches(await log.read(3, 100)).map((b) => b.baseOffset)).toEqual([0]);
    await log.close();
  });

  test('rejects input that is not whole batches, without assigning offsets', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    const b = batch(2);
    await expect(log.append(Buffer.concat([b, b.subarray(0, 30)]))).rejects.toThrow(/only 30 bytes/);
    await expect(log.append(b.subarray(0, b.length - 1))).rejects.toThrow();
    await expect(log.append(Buffer.alloc(0))).rejects.toThrow();
    expect(log.logEndOffset).toBe(0);
    expect((await log.append(b)).baseOffset).toBe(0);
    await log.close();
  });

  test('one append with several batches', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(batch(2));
    const r = await log.append(Buffer.concat([batch(3), batch(1), batch(2)]), 4);
    expect(r).toEqual({ baseOffset: 2, lastOffset: 7, logStartOffset: 0 });
    expect((await readAll(log)).map((b) => [b.baseOffset, b.lastOffset, b.epoch])).toEqual([
      [0, 1, 0],
      [2, 4, 4],
      [5, 5, 4],
      [6, 7, 4],
    ]);
    await log.close();
  });
});

describe('segments', () => {
  test('rolls by segment.bytes into 20-digit files; reads cross segments', async () => {
    const dir = await tmpDir();
    const one = batch(2, { valueSize: 40 }).length;
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 3 * one + 10 }));
    for (let i = 0; i < 8; i++) await log.append(batch(2, { valueSize: 40, tag: `t${i}` }));
    const files = await listDir(dir);
    expect(files.filter((f) => f.endsWith('.log'))).toEqual([seg(0), seg(6), seg(12)]);
    expect(files).toContain(seg(6, '.index'));
    expect(files).toContain(seg(12, '.timeindex'));
    expect((await fsp.stat(path.join(dir, seg(0)))).size).toBe(3 * one);
    expect(log.sizeBytes).toBe(8 * one);
    // a read stops at the end of a segment at the latest
    expect(readBatches(await log.read(2, 1 << 20)).map((b) => b.baseOffset)).toEqual([2, 4]);
    expect(readBatches(await log.read(6, 1 << 20)).map((b) => b.baseOffset)).toEqual([6, 8, 10]);
    const all = await readAll(log);
    expect(all.map((b) => b.baseOffset)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    await log.close();
  });

  test('a batch bigger than segment.bytes still goes into a segment (alone)', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 100 }));
    await log.append(batch(1, { valueSize: 300 }));
    await log.append(batch(1, { valueSize: 300 }));
    await log.append(batch(1, { valueSize: 10 }));
    expect((await listDir(dir)).filter((f) => f.endsWith('.log'))).toEqual([seg(0), seg(1), seg(2)]);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 1, 2]);
    await log.close();
  });

  test('rolls by segment.ms in maybeRoll and on append, never an empty segment', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentMs: 60_000 }));
    log.maybeRoll(Date.now() + 120_000); // empty: nothing to roll
    await log.append(batch(3));
    log.maybeRoll(Date.now() + 1000); // too early
    await log.append(batch(1));
    expect((await listDir(dir)).filter((f) => f.endsWith('.log'))).toEqual([seg(0)]);
    log.maybeRoll(Date.now() + 61_000);
    await log.append(batch(2));
    expect((await listDir(dir)).filter((f) => f.endsWith('.log'))).toEqual([seg(0), seg(4)]);
    // and on append once segment.ms has passed since the segment's first write
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    await log.append(batch(1));
    expect((await listDir(dir)).filter((f) => f.endsWith('.log'))).toEqual([seg(0), seg(4), seg(6)]);
    jest.restoreAllMocks();
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 3, 4, 6]);
    await log.close();
  });

  test('index files hold the expected sparse entries', async () => {
    const dir = await tmpDir();
    const interval = 200;
    const one = batch(2, { valueSize: 30 }).length;
    const n = 20;
    const log = await PartitionLog.open(dir, cfg({ indexIntervalBytes: interval, segmentBytes: n * one }));
    for (let i = 0; i < n; i++) await log.append(batch(2, { valueSize: 30, ts: 5000 + i * 10 }));
    // expected (Kafka's rule): an entry before a batch once more than `interval` bytes were written since the last
    const offsets: [number, number][] = [];
    const times: [number, number][] = [];
    let since = 0;
    for (let i = 0; i < n; i++) {
      if (since > interval) {
        offsets.push([i * 2, i * one]);
        times.push([5000 + i * 10 + 1, i * 2]); // this batch raised the max timestamp (records at ts, ts+1)
        since = 0;
      }
      since += one;
    }
    expect(offsets.length).toBeGreaterThan(3);
    const index = await fsp.readFile(path.join(dir, seg(0, '.index')));
    expect(index.length).toBe(offsets.length * 8);
    expect(offsets.map((_, k) => [index.readInt32BE(k * 8), index.readInt32BE(k * 8 + 4)])).toEqual(offsets);
    let timeIndex = await fsp.readFile(path.join(dir, seg(0, '.timeindex')));
    expect(timeIndex.length).toBe(times.length * 12);
    expect(times.map((_, k) => [Number(timeIndex.readBigInt64BE(k * 12)), timeIndex.readInt32BE(k * 12 + 8)])).toEqual(times);
    // rolling seals the segment with a final time index entry for its max timestamp
    await log.append(batch(1, { ts: 1 }));
    expect((await listDir(dir)).filter((f) => f.endsWith('.log'))).toEqual([seg(0), seg(2 * n)]);
    timeIndex = await fsp.readFile(path.join(dir, seg(0, '.timeindex')));
    expect(timeIndex.length).toBe((times.length + 1) * 12);
    expect(Number(timeIndex.readBigInt64BE(times.length * 12))).toBe(5000 + (n - 1) * 10 + 1);
    expect(timeIndex.readInt32BE(times.length * 12 + 8)).toBe((n - 1) * 2);
    await log.close();
  });

  test('reopen after close gives the same log end offset and data; appends continue', async () => {
    const dir = await tmpDir();
    const config = cfg({ segmentBytes: 1000, indexIntervalBytes: 100 });
    const log = await PartitionLog.open(dir, config);
    for (let i = 0; i < 30; i++) await log.append(batch(1 + (i % 4), { valueSize: 20 + i, tag: `r${i}` }), i % 3);
    const before = await readAll(log);
    const leo = log.logEndOffset;
    const indexes = new Map<string, Buffer>();
    for (const f of await listDir(dir)) indexes.set(f, await fsp.readFile(path.join(dir, f)));
    await log.close();
    await expect(log.append(batch(1))).rejects.toThrow(/closed/);

    const again = await PartitionLog.open(dir, config);
    expect(again.logEndOffset).toBe(leo);
    expect(again.highWatermark).toBe(leo);
    expect(again.logStartOffset).toBe(0);
    const after = await readAll(again);
    expect(after.map((b) => b.bytes)).toEqual(before.map((b) => b.bytes));
    // nothing was rewritten
    for (const [f, content] of indexes) expect(await fsp.readFile(path.join(dir, f))).toEqual(content);
    const r = await again.append(batch(2));
    expect(r.baseOffset).toBe(leo);
    expect((await readAll(again)).length).toBe(before.length + 1);
    await again.close();
  });

  test('flush.messages fsyncs before acknowledging', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ flushMessages: 3 }));
    const sync = jest.spyOn(fileIo, 'fdatasync');
    await log.append(batch(2));
    expect(sync).toHaveBeenCalledTimes(0);
    await log.append(batch(1));
    expect(sync).toHaveBeenCalledTimes(1);
    await log.append(batch(5));
    expect(sync).toHaveBeenCalledTimes(2);
    await log.close();
  });
});

describe('write failures', () => {
  test('a failed write rejects it and everything queued behind it; later appends land correctly', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(batch(2, { tag: 'ok1' }));
    const realWritev = fileIo.writevSync;
    // write half of the data, then fail, like a full disk
    jest.spyOn(fileIo, 'writevSync').mockImplementationOnce((fd, bufs, position) => {
      fs.writeSync(fd, bufs[0].subarray(0, 20), 0, 20, position);
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    const failed = [log.append(batch(3, { tag: 'bad1' })), log.append(batch(1, { tag: 'bad2' }))];
    expect(log.logEndOffset).toBe(6);
    await expect(failed[0]).rejects.toThrow(/ENOSPC/);
    await expect(failed[1]).rejects.toThrow(/ENOSPC/);
    expect(log.logEndOffset).toBe(2);
    expect(log.highWatermark).toBe(2);
    expect(fileIo.writevSync).not.toBe(realWritev); // still spied, now passing through
    const r = await log.append(batch(2, { tag: 'ok2' }));
    expect(r.baseOffset).toBe(2);
    const all = await readAll(log);
    expect(all.map((b) => [b.baseOffset, b.lastOffset])).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const size = all.reduce((n, b) => n + b.size, 0);
    expect((await fsp.stat(path.join(dir, seg(0)))).size).toBe(size);
    await log.close();
    const again = await PartitionLog.open(dir, cfg());
    expect(again.logEndOffset).toBe(4);
    await again.close();
  });
});

describe('timestamps', () => {
  test('offsetForTimestamp finds the first record at or after the time, inside batches', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    expect(await log.offsetForTimestamp(0)).toBeNull();
    expect(await log.maxTimestamp()).toBeNull();
    await log.append(batchWithTimestamps([1000, 1005, 1010]));
    await log.append(batchWithTimestamps([1020, 1015, 1030]));
    await log.append(batchWithTimestamps([1030, 1025]));
    const q = (t: number) => log.offsetForTimestamp(t);
    expect(await q(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await q(1000)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await q(1001)).toEqual({ offset: 1, timestamp: 1005 });
    expect(await q(1010)).toEqual({ offset: 2, timestamp: 1010 });
    expect(await q(1011)).toEqual({ offset: 3, timestamp: 1020 });
    expect(await q(1016)).toEqual({ offset: 3, timestamp: 1020 });
    expect(await q(1021)).toEqual({ offset: 5, timestamp: 1030 });
    expect(await q(1030)).toEqual({ offset: 5, timestamp: 1030 });
    expect(await q(1031)).toBeNull();
    expect(await log.maxTimestamp()).toEqual({ offset: 5, timestamp: 1030 });
    await log.close();
  });

  test('LogAppendTime batches answer with the batch base offset and max timestamp; compressed CreateTime batches record by record', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(batchWithTimestamps([100, 200]));
    await log.append(batchWithTimestamps([500, 300, 400], 0x08)); // LogAppendTime: every record has 500
    await log.append(batchWithTimestamps([600, 900, 700], 0x01)); // gzip: decompressed, as Kafka does
    expect(await log.offsetForTimestamp(201)).toEqual({ offset: 2, timestamp: 500 });
    expect(await log.offsetForTimestamp(501)).toEqual({ offset: 5, timestamp: 600 });
    expect(await log.offsetForTimestamp(800)).toEqual({ offset: 6, timestamp: 900 });
    // Kafka's batch.offsetOfMaxTimestamp(): the record holding it, found by decompressing.
    expect(await log.maxTimestamp()).toEqual({ offset: 6, timestamp: 900 });
    await log.close();
  });

  test('offsetForTimestamp and maxTimestamp through time indexes, across segments and after reopen', async () => {
    const dir = await tmpDir();
    const config = cfg({ indexIntervalBytes: 150, segmentBytes: 2000 });
    let log = await PartitionLog.open(dir, config);
    const records: { offset: number; ts: number }[] = [];
    let next = 0;
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 80; i++) {
      const n = 1 + Math.floor(rand() * 4);
      const ts = Array.from({ length: n }, () => 10_000 + i * 50 + Math.floor(rand() * 200) - 100);
      await log.append(batchWithTimestamps(ts));
      ts.forEach((t, k) => records.push({ offset: next + k, ts: t }));
      next += n;
    }
    expect((await listDir(dir)).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(2);
    const brute = (t: number) => {
      const r = records.find((x) => x.ts >= t);
      return r ? { offset: r.offset, timestamp: r.ts } : null;
    };
    const max = records.reduce((m, r) => (r.ts > m.ts ? r : m));
    for (let pass = 0; pass < 2; pass++) {
      for (let t = 9800; t <= 14200; t += 37) expect(await log.offsetForTimestamp(t)).toEqual(brute(t));
      expect(await log.maxTimestamp()).toEqual({ offset: max.offset, timestamp: max.ts });
      await log.close();
      log = await PartitionLog.open(dir, config);
    }
    await log.close();
  });

  test('maxTimestamp picks the first record holding the largest timestamp', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(batchWithTimestamps([1000, 2000, 2000]));
    await log.append(batchWithTimestamps([2000, 1500]));
    expect(await log.maxTimestamp()).toEqual({ offset: 1, timestamp: 2000 });
    await log.close();
  });
});

test('splitBatches helper sanity', () => {
  const b = batch(2);
  expect(splitBatches(Buffer.concat([b, b])).length).toBe(2);
});
