import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fileIo } from '../../src/storage/file-io';
import { LogConfig } from '../../src/storage/log-config';
import { CLEAN_SHUTDOWN_FILE, LogManager } from '../../src/storage/log-manager';
import { PartitionLog } from '../../src/storage/partition-log';
import { LogSegment } from '../../src/storage/segment';
import { batchWithTimestamps, captureLogger, cfg, cleanupTmpDirs, listDir, readAll, seg, tmpDir } from './helpers';

afterAll(cleanupTmpDirs);
afterEach(() => jest.restoreAllMocks());

async function copyDir(from: string, to: string): Promise<void> {
  await fsp.cp(from, to, { recursive: true });
}

/** Bytes read through fileIo.read while `fn` runs (every segment read goes through it). */
async function bytesReadDuring<T>(fn: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const read = fileIo.read;
  let bytes = 0;
  const spy = jest.spyOn(fileIo, 'read').mockImplementation(async (fd, buf, offset, length, position) => {
    const n = await read(fd, buf, offset, length, position);
    bytes += n;
    return n;
  });
  try {
    const value = await fn();
    return { value, bytes };
  } finally {
    spy.mockRestore();
  }
}

function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

type Pattern = 'rising' | 'maxEarly' | 'maxLate' | 'random' | 'none';

/** Record timestamps of batch `i` of `total`. */
function timestampsFor(pattern: Pattern, i: number, total: number, r: () => number): number[] {
  const n = 1 + Math.floor(r() * 4);
  const some = (lo: number, span: number) => Array.from({ length: n }, () => lo + Math.floor(r() * span));
  switch (pattern) {
    case 'rising':
      return Array.from({ length: n }, (_, k) => 1_000_000 + i * 10 + k);
    case 'maxEarly':
      return i === 3 ? [9_000_000, 1_000_000] : some(1_000_000, 100_000);
    case 'maxLate':
      return i === total - 1 ? [9_000_000] : some(1_000_000, 100_000);
    case 'random':
      return some(1_000_000, 100_000);
    case 'none':
      return Array.from({ length: n }, () => -1);
  }
}

/**
 * Timestamps of appends after the restart: first a while below the earlier
 * maximum (index entries come before the maximum rises), then around it.
 */
function laterTimestamps(pattern: Pattern, i: number, r: () => number): number[] {
  if (pattern === 'none' && i < 5) return [-1];
  if (i < 40) return [1_000_000 + Math.floor(r() * 10_000)];
  return i % 7 === 3 ? [9_500_000 + i] : [1_050_000 + Math.floor(r() * 100_000)];
}

async function appendAll(log: PartitionLog, batches: Buffer[]): Promise<void> {
  for (let i = 0; i < batches.length; i++) {
    if (i % 5 === 4) {
      // some appends of one event-loop turn, written together
      await Promise.all([log.append(Buffer.from(batches[i])), log.append(Buffer.from(batches[i + 1] ?? batches[i]))]);
      i++;
    } else {
      await log.append(Buffer.from(batches[i]));
    }
  }
}

async function dirContents(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of await listDir(dir)) out.set(f, await fsp.readFile(path.join(dir, f)));
  return out;
}

/** Every file of both directories byte for byte (names and contents), except those `skip` names. */
async function expectSameFiles(a: string, b: string, skip: (f: string) => boolean = () => false): Promise<void> {
  const drop = (m: Map<string, Buffer>) => new Map([...m].filter(([f]) => !skip(f)));
  const ca = drop(await dirContents(a));
  const cb = drop(await dirContents(b));
  expect([...cb.keys()]).toEqual([...ca.keys()]);
  for (const [f, content] of ca) expect([f, cb.get(f)!.equals(content)]).toEqual([f, true]);
}

/** Every answer the logs give (offsets, reads, timestamps) is the same. */
async function expectSameAnswers(a: PartitionLog, b: PartitionLog, probes: number[]): Promise<void> {
  expect(b.logEndOffset).toBe(a.logEndOffset);
  expect(b.highWatermark).toBe(a.highWatermark);
  expect(b.logStartOffset).toBe(a.logStartOffset);
  expect(b.sizeBytes).toBe(a.sizeBytes);
  // (Buffer.equals: jest's deep equality on many buffers is slow)
  const all = async (log: PartitionLog) => Buffer.concat((await readAll(log)).map((x) => x.bytes));
  expect((await all(b)).equals(await all(a))).toBe(true);
  for (let off = a.logStartOffset; off < a.logEndOffset; off += 37) {
    const ra = Buffer.concat((await a.read(off, 1)).records);
    const rb = Buffer.concat((await b.read(off, 1)).records);
    expect([off, rb.length > 0 && rb.equals(ra)]).toEqual([off, true]);
  }
  expect(await b.maxTimestamp()).toEqual(await a.maxTimestamp());
  for (const ts of probes) expect([ts, await b.offsetForTimestamp(ts)]).toEqual([ts, await a.offsetForTimestamp(ts)]);
}

function activeLogFile(files: string[]): string {
  const logs = files.filter((f) => f.endsWith('.log'));
  return logs[logs.length - 1];
}

describe('opening after a clean shutdown', () => {
  const patterns: Pattern[] = ['rising', 'maxEarly', 'maxLate', 'random', 'none'];
  const layouts = [
    { name: 'one segment', config: cfg({ indexIntervalBytes: 1024 }) },
    { name: 'several segments', config: cfg({ indexIntervalBytes: 700, segmentBytes: 30_000 }) },
  ];
  for (const layout of layouts) {
    for (const pattern of patterns) {
      test(`${layout.name}, timestamps ${pattern}: only the tail is read, and everything equals a full recovery and a log never restarted`, async () => {
        const config: LogConfig = layout.config;
        const base = await tmpDir();
        const r = rng(patterns.indexOf(pattern) + 1);
        const first: Buffer[] = [];
        const total = 1200;
        for (let i = 0; i < total; i++) first.push(batchWithTimestamps(timestampsFor(pattern, i, total, r)));
        const later: Buffer[] = [];
        for (let i = 0; i < 400; i++) later.push(batchWithTimestamps(laterTimestamps(pattern, i, r)));
        const maxBatch = Math.max(...first.map((b) => b.length));

        const original = path.join(base, 'original');
        const log = await PartitionLog.open(original, config);
        await appendAll(log, first);
        await log.close();
        expect(log.closedCleanly).toBe(true);
        const files = await listDir(original);
        const active = activeLogFile(files);
        const activeSize = (await fsp.stat(path.join(original, active))).size;
        expect(activeSize).toBeGreaterThan(10 * config.indexIntervalBytes);
        expect((await fsp.stat(path.join(original, active.replace('.log', '.index')))).size).toBeGreaterThan(8);

        const fullDir = path.join(base, 'full');
        const cleanDir = path.join(base, 'clean');
        await copyDir(original, fullDir);
        await copyDir(original, cleanDir);
        const full = await bytesReadDuring(() => PartitionLog.open(fullDir, config));
        const logger = captureLogger();
        const clean = await bytesReadDuring(() => PartitionLog.open(cleanDir, config, logger, { cleanShutdown: true }));
        expect(full.bytes).toBeGreaterThanOrEqual(activeSize);
        // the tail: from the last index entry (made once more than the interval was written) to the end
        expect(clean.bytes).toBeLessThanOrEqual(config.indexIntervalBytes + 2 * maxBatch);
        expect(logger.warnings()).toEqual([]);

        const probes = first.filter((_, k) => k % 40 === 7).flatMap((b) => {
          const t = Number(b.readBigInt64BE(35)); // the batch's max timestamp
          return [t - 1, t, t + 1];
        });
        probes.push(0, 9_000_001, 20_000_000);
        await expectSameAnswers(full.value, clean.value, probes);
        await expectSameFiles(fullDir, cleanDir);

        // later appends add the same index entries (and roll, in the several-segments layout, the same way)
        await appendAll(full.value, later);
        await appendAll(clean.value, later);
        probes.push(9_500_000, 9_500_045, 9_500_059, 9_500_400);
        await expectSameAnswers(full.value, clean.value, probes);
        await full.value.close();
        await clean.value.close();
        await expectSameFiles(fullDir, cleanDir);

        // and equal a log that was never closed in between
        const neverClosed = path.join(base, 'never-closed');
        const ref = await PartitionLog.open(neverClosed, config);
        await appendAll(ref, first);
        await appendAll(ref, later);
        await ref.close();
        // (a close leaves a producer snapshot at its log end, so the log closed in between has one more, of an
        // offset the other never closed at; the rest, and the snapshot at the end, are the same)
        const cleanSnaps = (await listDir(cleanDir)).filter((f) => f.endsWith('.snapshot'));
        const refSnaps = (await listDir(neverClosed)).filter((f) => f.endsWith('.snapshot'));
        expect(cleanSnaps.filter((f) => !refSnaps.includes(f))).toHaveLength(layout.name === 'one segment' ? 0 : 1);
        await expectSameFiles(neverClosed, cleanDir, (f) => f.endsWith('.snapshot') && !refSnaps.includes(f));
      });
    }
  }

  test('an empty active segment (just rolled) and an empty log open the same way', async () => {
    const base = await tmpDir();
    const config = cfg({ indexIntervalBytes: 100, segmentBytes: 2000 });
    const a = path.join(base, 'a');
    const log = await PartitionLog.open(a, config);
    for (let i = 0; i < 40; i++) await log.append(batchWithTimestamps([1000 + i]));
    await log.close();
    // a torn-off tail that leaves the active segment empty is not what this checks: find one that is empty
    const files = await listDir(a);
    const active = activeLogFile(files);
    await fsp.truncate(path.join(a, active), 0);
    await fsp.truncate(path.join(a, active.replace('.log', '.index')), 0);
    await fsp.truncate(path.join(a, active.replace('.log', '.timeindex')), 0);
    const b = path.join(base, 'b');
    await copyDir(a, b);
    const logger = captureLogger();
    const clean = await PartitionLog.open(a, config, logger, { cleanShutdown: true });
    const full = await PartitionLog.open(b, config);
    expect(logger.warnings()).toEqual([]);
    expect(clean.logEndOffset).toBe(Number(active.slice(0, 20)));
    await expectSameAnswers(full, clean, [999, 1000, 1039, 1040]);
    await clean.append(batchWithTimestamps([5000]));
    await full.append(batchWithTimestamps([5000]));
    await clean.close();
    await full.close();
    await expectSameFiles(a, b);

    const empty = await PartitionLog.open(path.join(base, 'empty'), config);
    await empty.close();
    const again = await PartitionLog.open(path.join(base, 'empty'), config, logger, { cleanShutdown: true });
    expect(again.logEndOffset).toBe(0);
    expect(await again.maxTimestamp()).toBeNull();
    await again.close();
  });

  test('a torn or corrupt tail is still cut (full recovery of the segment)', async () => {
    const base = await tmpDir();
    const original = path.join(base, 'original');
    const config = cfg({ indexIntervalBytes: 200 });
    const log = await PartitionLog.open(original, config);
    const sizes: number[] = [];
    for (let i = 0; i < 60; i++) {
      const b = batchWithTimestamps([2000 + i, 2000 + 2 * i]);
      sizes.push(b.length);
      await log.append(b);
    }
    await log.close();
    const file = seg(0);
    const lastStart = sizes.slice(0, -1).reduce((n, s) => n + s, 0);
    const lastEnd = lastStart + sizes[sizes.length - 1];

    for (let len = lastStart + 1; len < lastEnd; len++) {
      const dir = path.join(base, `cut-${len}`);
      await copyDir(original, dir);
      await fsp.truncate(path.join(dir, file), len);
      const logger = captureLogger();
      const again = await PartitionLog.open(dir, config, logger, { cleanShutdown: true });
      expect(again.logEndOffset).toBe(59 * 2);
      expect((await fsp.stat(path.join(dir, file))).size).toBe(lastStart);
      const warns = logger.warnings();
      expect(warns).toHaveLength(1);
      expect(warns[0].o).toMatchObject({ truncatedBytes: len - lastStart, kind: 'truncated' });
      expect((await again.append(batchWithTimestamps([1]))).baseOffset).toBe(59 * 2);
      await again.close();
      await fsp.rm(dir, { recursive: true, force: true });
    }

    // a bad CRC in the last batch
    const crc = path.join(base, 'crc');
    await copyDir(original, crc);
    const content = await fsp.readFile(path.join(crc, file));
    content[lastStart + 65] ^= 0xff;
    await fsp.writeFile(path.join(crc, file), content);
    const logger = captureLogger();
    const again = await PartitionLog.open(crc, config, logger, { cleanShutdown: true });
    expect(again.logEndOffset).toBe(59 * 2);
    expect(logger.warnings()).toHaveLength(1);
    expect(JSON.stringify(logger.warnings()[0].o)).toMatch(/CRC/);
    await again.close();

    // cut below the last index entry: the index does not fit the log, so the segment is recovered fully
    const deep = path.join(base, 'deep');
    await copyDir(original, deep);
    const cutAt = Math.floor(lastEnd / 2) + 3; // inside a batch
    await fsp.truncate(path.join(deep, file), cutAt);
    const deepRef = path.join(base, 'deep-ref');
    await copyDir(deep, deepRef);
    const logger2 = captureLogger();
    const d = await PartitionLog.open(deep, config, logger2, { cleanShutdown: true });
    const ref = await PartitionLog.open(deepRef, config);
    expect(logger2.warnings().some((w) => /do not fit/.test(w.msg ?? ''))).toBe(true);
    expect(logger2.warnings().some((w) => /truncating/.test(w.msg ?? ''))).toBe(true);
    await expectSameAnswers(ref, d, [2000, 2030, 2059, 2100]);
    await d.close();
    await ref.close();
    await expectSameFiles(deepRef, deep);
  });

  test('missing or garbage indexes of the active segment: recovered fully', async () => {
    const base = await tmpDir();
    const original = path.join(base, 'original');
    const config = cfg({ indexIntervalBytes: 150 });
    const log = await PartitionLog.open(original, config);
    for (let i = 0; i < 50; i++) await log.append(batchWithTimestamps([3000 + ((i * 17) % 50)]));
    await log.close();
    const damages: [string, (dir: string) => Promise<void>][] = [
      ['index missing', (dir) => fsp.rm(path.join(dir, seg(0, '.index')))],
      ['timeindex missing', (dir) => fsp.rm(path.join(dir, seg(0, '.timeindex')))],
      ['index garbage', (dir) => fsp.writeFile(path.join(dir, seg(0, '.index')), Buffer.alloc(13))],
      ['index entry off by one batch', async (dir) => {
        const p = path.join(dir, seg(0, '.index'));
        const b = await fsp.readFile(p);
        b.writeInt32BE(b.readInt32BE(b.length - 8) + 1, b.length - 8);
        await fsp.writeFile(p, b);
      }],
      ['timeindex decreasing', async (dir) => {
        const p = path.join(dir, seg(0, '.timeindex'));
        const b = await fsp.readFile(p);
        b.writeBigInt64BE(1n, b.length - 12);
        await fsp.writeFile(p, b);
      }],
      // the batch the last offset entry points at has a timestamp the time index never saw
      ['timeindex emptied', (dir) => fsp.writeFile(path.join(dir, seg(0, '.timeindex')), Buffer.alloc(0))],
      ['timeindex entry past the offset index', async (dir) => {
        const p = path.join(dir, seg(0, '.timeindex'));
        await fsp.appendFile(p, Buffer.from([0, 0, 0, 0, 0, 0, 0x27, 0x10, 0, 0, 0, 49]));
      }],
    ];
    for (const [name, damage] of damages) {
      const dir = path.join(base, name.replace(/ /g, '-'));
      const ref = `${dir}-ref`;
      await copyDir(original, dir);
      await damage(dir);
      await copyDir(dir, ref);
      const logger = captureLogger();
      const a = await PartitionLog.open(dir, config, logger, { cleanShutdown: true });
      const b = await PartitionLog.open(ref, config);
      expect([name, logger.warnings().map((w) => w.msg)]).toEqual([name, [expect.stringMatching(/do not fit/)]]);
      await expectSameAnswers(b, a, [2999, 3000, 3025, 3049, 3050, 10_000]);
      await a.close();
      await b.close();
      await expectSameFiles(ref, dir);
    }
  });

  test('a final time index entry left in the active segment by a failed roll: recovered fully', async () => {
    const base = await tmpDir();
    const dir = path.join(base, 'a');
    const config = cfg({ indexIntervalBytes: 100, segmentBytes: 1500 });
    const log = await PartitionLog.open(dir, config);
    let i = 0;
    while (log.sizeBytes + 200 < config.segmentBytes) await log.append(batchWithTimestamps([1000 + (i++ % 10) * 10]));
    await log.append(batchWithTimestamps([5000]));
    const big = () => batchWithTimestamps(Array.from({ length: 60 }, () => 1));
    jest.spyOn(LogSegment, 'create').mockRejectedValueOnce(new Error('no space'));
    await expect(log.append(big())).rejects.toThrow('no space');
    await expect(log.append(big())).resolves.toBeDefined(); // the roll works now
    await log.close();
    expect(log.closedCleanly).toBe(true);
    // the first segment got its final entry in the failed roll; make it the active one again
    const files = await listDir(dir);
    expect(files.filter((f) => f.endsWith('.log'))).toHaveLength(2);
    for (const f of files.filter((f) => !f.startsWith(seg(0, '')))) await fsp.rm(path.join(dir, f));
    const index = await fsp.readFile(path.join(dir, seg(0, '.index')));
    const timeIndex = await fsp.readFile(path.join(dir, seg(0, '.timeindex')));
    // precondition: the last time entry (5000, the final one) is past the last offset entry
    expect(Number(timeIndex.readBigInt64BE(timeIndex.length - 12))).toBe(5000);
    expect(timeIndex.readInt32BE(timeIndex.length - 4)).toBeGreaterThan(index.readInt32BE(index.length - 8));
    const ref = path.join(base, 'ref');
    await copyDir(dir, ref);
    const logger = captureLogger();
    const a = await PartitionLog.open(dir, config, logger, { cleanShutdown: true });
    const b = await PartitionLog.open(ref, config);
    expect(logger.warnings().map((w) => w.msg)).toEqual([expect.stringMatching(/do not fit/)]);
    await expectSameAnswers(b, a, [1000, 1090, 4999, 5000]);
    await a.close();
    await b.close();
    await expectSameFiles(ref, dir);
  });
});

describe('LogManager clean-shutdown marker', () => {
  const config = cfg({ indexIntervalBytes: 512 });

  async function fill(log: PartitionLog, n: number, ts = 10_000): Promise<void> {
    for (let i = 0; i < n; i++) await log.append(batchWithTimestamps([ts + i, ts + i + 1]));
  }

  const marker = (dir: string) => path.join(dir, CLEAN_SHUTDOWN_FILE);

  test('written on a clean close, consumed at init; a clean start reads only the tail', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    expect(m.cleanShutdown).toBe(false);
    await fill(await m.openLog('t', 0, config), 300);
    await fill(await m.openLog('t', 1, config), 10);
    expect(fs.existsSync(marker(dir))).toBe(false);
    await m.close();
    expect(fs.existsSync(marker(dir))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const size = fs.statSync(path.join(dir, 't-0', seg(0))).size;

    const m2 = new LogManager(dir);
    await m2.init();
    expect(m2.cleanShutdown).toBe(true);
    expect(fs.existsSync(marker(dir))).toBe(false); // a crash from here on is unclean
    const { value: log, bytes } = await bytesReadDuring(() => m2.openLog('t', 0, config));
    expect(bytes).toBeLessThan(size / 4);
    expect(log.logEndOffset).toBe(600);
    await m2.close();
    expect(fs.existsSync(marker(dir))).toBe(true);
  });

  test('a crash (no close) leaves no marker: the next start recovers fully, also after a clean start', async () => {
    const base = await tmpDir();
    const dir = path.join(base, 'data');
    const m = new LogManager(dir);
    await m.init();
    await fill(await m.openLog('t', 0, config), 300);
    await m.close();

    // clean start, more writes, then SIGKILL: the data dir as it is while the broker runs
    const m2 = new LogManager(dir);
    await m2.init();
    expect(m2.cleanShutdown).toBe(true);
    const log = await m2.openLog('t', 0, config);
    await fill(log, 50, 20_000);
    const crashed = path.join(base, 'crashed');
    await copyDir(dir, crashed);
    await m2.close();
    expect(fs.existsSync(marker(crashed))).toBe(false);
    // and the last write was torn
    const file = path.join(crashed, 't-0', seg(0));
    const size = fs.statSync(file).size;
    await fsp.truncate(file, size - 3);

    const logger = captureLogger();
    const m3 = new LogManager(crashed, logger);
    await m3.init(); // takes over the lock the "dead" broker left
    expect(m3.cleanShutdown).toBe(false);
    const { value: again, bytes } = await bytesReadDuring(() => m3.openLog('t', 0, config));
    expect(bytes).toBeGreaterThanOrEqual(size - 3);
    expect(again.logEndOffset).toBe(700 - 2);
    expect(logger.warnings().some((w) => /truncating/.test(w.msg ?? ''))).toBe(true);
    await m3.close();
    expect(fs.existsSync(marker(crashed))).toBe(true);
  });

  test('a marker, but the tail was torn afterwards: cut at a clean start too', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    await fill(await m.openLog('t', 0, config), 100);
    await m.close();
    const file = path.join(dir, 't-0', seg(0));
    await fsp.truncate(file, fs.statSync(file).size - 5);
    const logger = captureLogger();
    const m2 = new LogManager(dir, logger);
    await m2.init();
    expect(m2.cleanShutdown).toBe(true);
    const log = await m2.openLog('t', 0, config);
    expect(log.logEndOffset).toBe(198);
    expect(logger.warnings().some((w) => /truncating/.test(w.msg ?? ''))).toBe(true);
    expect((await readAll(log)).length).toBe(99);
    await m2.close();
  });

  test('no marker when a log did not close cleanly', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    await fill(await m.openLog('t', 0, config), 5);
    jest.spyOn(fileIo, 'fsync').mockRejectedValueOnce(new Error('EIO'));
    await m.close();
    expect(fs.existsSync(marker(dir))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
    const m2 = new LogManager(dir);
    await m2.init();
    expect(m2.cleanShutdown).toBe(false);
    await m2.close();
  });

  test('no marker after a log failed to open', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    jest.spyOn(LogSegment, 'create').mockRejectedValueOnce(new Error('EIO'));
    await expect(m.openLog('t', 0, config)).rejects.toThrow('EIO');
    await m.close();
    expect(fs.existsSync(marker(dir))).toBe(false);
  });

  test('after an unclean start, partition directories nobody opened keep the next start unclean', async () => {
    const dir = await tmpDir();
    const m = new LogManager(dir);
    await m.init();
    await fill(await m.openLog('a', 0, config), 5);
    await fill(await m.openLog('b', 0, config), 5);
    await m.close();
    fs.rmSync(marker(dir)); // as if it crashed

    const logger = captureLogger();
    const m2 = new LogManager(dir, logger);
    await m2.init();
    await m2.openLog('a', 0, config); // b-0 is never opened, so never recovered
    await m2.close();
    expect(fs.existsSync(marker(dir))).toBe(false);
    expect(logger.warnings().some((w) => /b-0/.test(JSON.stringify(w.o)))).toBe(true);

    const m3 = new LogManager(dir);
    await m3.init();
    expect(m3.cleanShutdown).toBe(false);
    await m3.openLog('a', 0, config);
    await m3.openLog('b', 0, config);
    await m3.close();
    expect(fs.existsSync(marker(dir))).toBe(true);

    // after a clean start, logs not opened are still clean
    const m4 = new LogManager(dir);
    await m4.init();
    expect(m4.cleanShutdown).toBe(true);
    await m4.openLog('a', 0, config);
    await m4.close();
    expect(fs.existsSync(marker(dir))).toBe(true);
  });
});
