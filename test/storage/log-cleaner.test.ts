import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { buildRecordBatch, checkBatchAt, Compression, CRC_START, decodeRecords, Off } from '../../src/protocol/record-batch';
import { ATTR_DELETE_HORIZON, readBatch } from '../../src/storage/cleaner-batch';
import { cleanerFs } from '../../src/storage/cleaner-files';
import {
  Cleaner,
  CleanerTopicConfig,
  DEFAULT_CLEANER_TOPIC_CONFIG,
  LogCleaner,
  readCleanerCheckpoint,
} from '../../src/storage/log-cleaner';
import { OffsetMap } from '../../src/storage/offset-map';
import { PartitionLog } from '../../src/storage/partition-log';
import { cfg, cleanupTmpDirs, listDir, readAll, tmpDir } from './helpers';

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanupTmpDirs();
});

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

function ccfg(over: Partial<CleanerTopicConfig> = {}): CleanerTopicConfig {
  return { ...DEFAULT_CLEANER_TOPIC_CONFIG, ...over };
}

type KV = [string | null, string | null];

/** The next sequence of each producer id, so that its batches follow one another as an idempotent producer's do. */
const nextSequence = new Map<bigint, number>();

function kvBatch(recs: KV[], opts: { ts?: number; producerId?: bigint; compression?: Compression } = {}): Buffer {
  const ts = opts.ts ?? NOW - DAY;
  let baseSequence = -1;
  if (opts.producerId !== undefined) {
    baseSequence = nextSequence.get(opts.producerId) ?? 0;
    nextSequence.set(opts.producerId, baseSequence + recs.length);
  }
  const b = buildRecordBatch(
    recs.map(([k, v], i) => ({ key: k, value: v, timestamp: ts + i })),
    { baseTimestamp: ts, producerId: opts.producerId ?? -1n, producerEpoch: opts.producerId !== undefined ? 0 : -1, baseSequence },
  );
  if (!opts.compression) return b;
  const body = zlib.gzipSync(b.subarray(61));
  const out = Buffer.concat([b.subarray(0, 61), body]);
  out.writeInt32BE(out.length - 12, Off.batchLength);
  out.writeInt16BE(opts.compression, Off.attributes);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), Off.crc);
  return out;
}

interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

async function records(log: PartitionLog): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const b of await readAll(log)) {
    expect(checkBatchAt(b.bytes, 0).problem.kind).toBe('ok');
    const v = readBatch(b.bytes);
    const decoded = decodeRecords(v.records, v.recordCount);
    decoded.forEach((r, i) => {
      out.push({ offset: v.views[i].offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: v.views[i].timestamp });
    });
  }
  return out;
}

function lastPerKey(rs: Rec[]): Map<string, Rec> {
  const m = new Map<string, Rec>();
  for (const r of rs) if (r.key !== null) m.set(r.key, r);
  return m;
}

/** A log with `rounds` updates of `keys` keys, one batch of `perBatch` records per append, small segments. */
async function buildLog(dir: string, keys: number, rounds: number, perBatch = 5, segmentBytes = 2048): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, cfg({ segmentBytes, indexIntervalBytes: 256 }));
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < keys; k += perBatch) {
      const recs: KV[] = [];
      for (let j = k; j < Math.min(keys, k + perBatch); j++) recs.push([`key-${j}`, `r${r}-${n++}`]);
      await log.append(kvBatch(recs));
    }
  }
  return log;
}

function expectOffsetsIncreasing(rs: Rec[]): void {
  for (let i = 1; i < rs.length; i++) expect(rs[i].offset).toBeGreaterThan(rs[i - 1].offset);
}

describe('OffsetMap', () => {
  test('keeps the latest offset per key, tells keys apart, grows', () => {
    const map = new OffsetMap(64 * 1024 * 1024);
    const keys = Array.from({ length: 100_000 }, (_, i) => Buffer.from(`key-${i}`));
    keys.forEach((k, i) => map.put(k, 0, k.length, i));
    keys.forEach((k, i) => map.put(k, 0, k.length, i + 100_000));
    expect(map.size).toBe(100_000);
    for (let i = 0; i < keys.length; i += 997) expect(map.get(keys[i], 0, keys[i].length)).toBe(i + 100_000);
    const absent = Buffer.from('no-such-key');
    expect(map.get(absent, 0, absent.length)).toBe(-1);
    // keys inside a larger buffer
    const big = Buffer.from('xxkey-42yy');
    expect(map.get(big, 2, 8)).toBe(100_042);
    expect(map.latestOffset).toBe(199_999);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(keys[1], 0, keys[1].length)).toBe(-1);
  });

  test('capacity follows the memory limit (16 bytes a slot, 90% load)', () => {
    const map = new OffsetMap(1024 * 1024);
    expect(map.capacity).toBe(Math.floor(65536 * 0.9));
    expect(map.canTake(map.capacity)).toBe(true);
    expect(map.canTake(map.capacity + 1)).toBe(false);
  });
});

describe('cleaning', () => {
  test('keeps exactly the last value per key, offsets unchanged, active segment untouched, checkpoint written', async () => {
    const dir = await tmpDir();
    const log = await buildLog(dir, 50, 10);
    const before = await records(log);
    const segsBefore = log.segmentList();
    const active = segsBefore[segsBefore.length - 1];
    const activeRecords = before.filter((r) => r.offset >= active.baseOffset);
    const cleaner = new Cleaner();
    const info = await cleaner.cleanable(log, ccfg(), NOW);
    expect(info.firstDirtyOffset).toBe(0);
    expect(info.firstUncleanableOffset).toBe(active.baseOffset);
    expect(info.ratio).toBe(1);
    const stats = await cleaner.clean(log, ccfg(), NOW);
    expect(stats).not.toBeNull();
    expect(stats!.endOffset).toBe(active.baseOffset);
    expect(await readCleanerCheckpoint(dir)).toBe(active.baseOffset);
    const after = await records(log);
    expectOffsetsIncreasing(after);
    // every surviving record is the original at the same offset
    const byOffset = new Map(before.map((r) => [r.offset, r]));
    for (const r of after) expect(byOffset.get(r.offset)).toEqual(r);
    // the cleaned part holds one record per key: the latest one below the active segment
    const cleanedPart = after.filter((r) => r.offset < active.baseOffset);
    const expected = lastPerKey(before.filter((r) => r.offset < active.baseOffset));
    expect(cleanedPart.length).toBe(expected.size);
    for (const r of cleanedPart) expect(expected.get(r.key!)!.offset).toBe(r.offset);
    // the active segment is as it was
    expect(after.filter((r) => r.offset >= active.baseOffset)).toEqual(activeRecords);
    // the view of a reader: same latest value per key
    expect(lastPerKey(after)).toEqual(lastPerKey(before));
    expect(log.sizeBytes).toBeLessThan(segsBefore.reduce((n, s) => n + s.size, 0));
    expect(log.logStartOffset).toBe(0);
    expect(log.logEndOffset).toBe(500);
    // nothing left to clean; a second pass changes nothing
    const again = await cleaner.cleanable(log, ccfg(), NOW);
    expect(again.cleanableBytes).toBe(0);
    expect(await cleaner.clean(log, ccfg(), NOW)).toBeNull();
    // reopening gives the same log (indexes of cleaned segments are valid)
    await log.close();
    expect((await listDir(dir)).filter((f) => /\.(cleaned|swap|deleted)$/.test(f))).toEqual([]);
    const reopened = await PartitionLog.open(dir, log.config);
    expect(await records(reopened)).toEqual(after);
    // reading from every offset (inside gaps too) gives the first record at or after it
    for (let o = 0; o < 500; o += 7) {
      const r = await reopened.read(o, 100_000);
      // the batch holding `o` comes whole, so records below `o` may come first
      const first = (await recordsOf(r.records)).find((x) => x.offset >= o);
      if (!first) throw new Error(`nothing read at ${o}: ${JSON.stringify(r.records.map((b) => b.length))}`);
      expect(first.offset).toBe(after.find((x) => x.offset >= o)!.offset);
    }
    await reopened.close();
  });

  test('a second round cleans the new dirty part against the clean part', async () => {
    const dir = await tmpDir();
    const log = await buildLog(dir, 20, 5);
    const cleaner = new Cleaner();
    await cleaner.clean(log, ccfg(), NOW);
    for (let r = 0; r < 5; r++) for (let k = 0; k < 20; k += 5) await log.append(kvBatch([0, 1, 2, 3, 4].map((j) => [`key-${k + j}`, `second-${r}`])));
    await log.append(kvBatch([['key-0', 'final']])); // becomes the active segment's content soon
    const before = await records(log);
    const firstDirty = await readCleanerCheckpoint(dir);
    const info = await cleaner.cleanable(log, ccfg(), NOW);
    expect(info.firstDirtyOffset).toBe(firstDirty);
    expect(info.cleanBytes).toBeGreaterThan(0);
    expect(info.ratio).toBeGreaterThan(0.5);
    await cleaner.clean(log, ccfg(), NOW);
    const after = await records(log);
    expect(lastPerKey(after)).toEqual(lastPerKey(before));
    const active = log.segmentList()[log.segmentList().length - 1];
    const cleanedKeys = after.filter((r) => r.offset < active.baseOffset).map((r) => r.key);
    expect(new Set(cleanedKeys).size).toBe(cleanedKeys.length);
    await log.close();
  });

  test('tombstones stay until delete.retention.ms after their first cleaning (KIP-534 delete horizon), then go', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 100 }));
    await log.append(kvBatch([['a', 'a1'], ['b', 'b1'], ['c', 'c1']]));
    await log.append(kvBatch([['a', null], ['b', 'b2']], { ts: NOW - 1000 }));
    await log.append(kvBatch([['c', null]], { ts: NOW - 500 }));
    await log.append(kvBatch([['d', 'd1']]));
    await log.append(kvBatch([['e', 'e1']])); // active
    expect(log.segmentList().length).toBeGreaterThan(2);
    const cleaner = new Cleaner();
    const retention = 60_000;
    await cleaner.clean(log, ccfg({ deleteRetentionMs: retention }), NOW);
    let rs = await records(log);
    expect(rs.map((r) => [r.key, r.value])).toEqual([
      ['a', null],
      ['b', 'b2'],
      ['c', null],
      ['d', 'd1'],
      ['e', 'e1'],
    ]);
    // record timestamps survive the rewrite
    expect(rs[0].timestamp).toBe(NOW - 1000);
    expect(rs[2].timestamp).toBe(NOW - 500);
    // the batches holding tombstones carry the horizon
    const batches = await readAll(log);
    const withTombstones = batches.filter((b) => readBatch(b.bytes).views.some((v) => v.valueNull));
    expect(withTombstones.length).toBe(2);
    for (const b of withTombstones) {
      expect(b.bytes.readInt16BE(Off.attributes) & ATTR_DELETE_HORIZON).toBe(ATTR_DELETE_HORIZON);
      expect(Number(b.bytes.readBigInt64BE(Off.baseTimestamp))).toBe(NOW + retention);
    }
    // before the horizon: still there (a forced pass from the start)
    await fsp.rm(path.join(dir, 'cleaner-offset-checkpoint'));
    await cleaner.clean(log, ccfg({ deleteRetentionMs: retention }), NOW + retention - 1);
    expect((await records(log)).map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // the horizon is not moved by later passes
    for (const b of (await readAll(log)).filter((x) => readBatch(x.bytes).views.some((v) => v.valueNull))) {
      expect(Number(b.bytes.readBigInt64BE(Off.baseTimestamp))).toBe(NOW + retention);
    }
    // past the horizon: gone
    await fsp.rm(path.join(dir, 'cleaner-offset-checkpoint'));
    await cleaner.clean(log, ccfg({ deleteRetentionMs: retention }), NOW + retention);
    rs = await records(log);
    expect(rs.map((r) => [r.key, r.value])).toEqual([
      ['b', 'b2'],
      ['d', 'd1'],
      ['e', 'e1'],
    ]);
    expect(log.logEndOffset).toBe(8);
    await log.close();
  });

  test('min.compaction.lag.ms keeps young segments dirty', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 50 }));
    await log.append(kvBatch([['a', 'old1'], ['b', 'old1']], { ts: NOW - 10 * 60_000 }));
    await log.append(kvBatch([['a', 'old2'], ['b', 'old2']], { ts: NOW - 10 * 60_000 }));
    await log.append(kvBatch([['a', 'young1']], { ts: NOW - 1000 }));
    await log.append(kvBatch([['a', 'young2']], { ts: NOW - 500 }));
    await log.append(kvBatch([['z', 'active']], { ts: NOW }));
    const segs = log.segmentList();
    expect(segs.length).toBe(5);
    const cleaner = new Cleaner();
    const c = ccfg({ minCompactionLagMs: 60_000 });
    const info = await cleaner.cleanable(log, c, NOW);
    expect(info.firstUncleanableOffset).toBe(segs[2].baseOffset);
    await cleaner.clean(log, c, NOW);
    const rs = await records(log);
    // a's young values are not compacted away, nor used to remove the older ones... except through the map of the cleanable part
    expect(rs.map((r) => r.value)).toEqual(['old2', 'old2', 'young1', 'young2', 'active']);
    expect(await readCleanerCheckpoint(dir)).toBe(segs[2].baseOffset);
    await log.close();
  });

  test('records without a key are dropped; an emptied batch stays only as the last of its group or of its producer', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 1_000_000 }));
    await log.append(kvBatch([['a', '1'], [null, 'keyless']])); // 0-1
    await log.append(kvBatch([['a', '2']], { producerId: 7n })); // 2: emptied, but producer 7 writes later
    await log.append(kvBatch([['b', '1']], { producerId: 9n })); // 3: emptied, last batch of producer 9
    await log.append(kvBatch([['a', '3'], ['b', '2']])); // 4-5
    await log.append(kvBatch([['a', '4']], { producerId: 7n })); // 6: last batch of producer 7
    await log.append(kvBatch([['a', '5']])); // 7: emptied, last batch of the segment
    await (log as unknown as { roll(): Promise<void> }).roll();
    await log.append(kvBatch([['c', 'active']]));
    await new Cleaner().clean(log, ccfg(), NOW);
    const batches = (await readAll(log)).map((b) => ({ base: b.baseOffset, last: b.lastOffset, count: b.bytes.readInt32BE(Off.recordCount) }));
    expect(batches).toEqual([
      { base: 3, last: 3, count: 0 },
      { base: 4, last: 5, count: 1 },
      { base: 6, last: 6, count: 0 },
      { base: 7, last: 7, count: 1 },
      { base: 8, last: 8, count: 1 },
    ]);
    // offsets by timestamp skip the emptied batches (Kafka's searchForTimestamp iterates records)
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 5, timestamp: NOW - DAY + 1 });
    const empty = (await readAll(log))[0].bytes;
    expect(empty.length).toBe(61);
    expect(empty.readBigInt64BE(Off.producerId)).toBe(9n);
    expect(checkBatchAt(empty, 0).problem.kind).toBe('ok');
    expect((await records(log)).map((r) => [r.offset, r.value])).toEqual([
      [5, '2'],
      [7, '5'],
      [8, 'active'],
    ]);
    await log.close();
  });

  test('a producer\'s emptied batch in the clean part goes once the producer wrote again later in the log', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 1_000_000 }));
    const roll = () => (log as unknown as { roll(): Promise<void> }).roll();
    await log.append(kvBatch([['a', '1']], { producerId: 9n })); // 0
    await log.append(kvBatch([['a', '2']])); // 1
    await log.append(kvBatch([['z', 'z']])); // 2
    await roll();
    await log.append(kvBatch([['q', 'q']]));
    const cleaner = new Cleaner();
    await cleaner.clean(log, ccfg(), NOW);
    // producer 9's only batch lost its record but stays as its last batch
    expect((await readAll(log)).map((b) => [b.baseOffset, b.bytes.readInt32BE(Off.recordCount)])).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    await log.append(kvBatch([['b', '1']], { producerId: 9n })); // 4: producer 9's new last batch
    await log.append(kvBatch([['b', '2']])); // 5
    await roll();
    await log.append(kvBatch([['r', 'r']]));
    await cleaner.clean(log, ccfg(), NOW);
    expect((await readAll(log)).map((b) => [b.baseOffset, b.bytes.readInt32BE(Off.recordCount)])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 0],
      [5, 1],
      [6, 1],
    ]);
    await log.close();
  });

  test('gzip batches are filtered and recompressed; their surviving records keep offsets and values', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 1_000_000 }));
    await log.append(kvBatch([['a', 'a1'], ['b', 'b1'], ['c', 'c1']], { compression: Compression.gzip }));
    await log.append(kvBatch([['a', 'a2']], { compression: Compression.gzip }));
    await (log as unknown as { roll(): Promise<void> }).roll();
    await log.append(kvBatch([['z', 'z']]));
    await new Cleaner().clean(log, ccfg(), NOW);
    const batches = await readAll(log);
    expect(batches[0].bytes.readInt16BE(Off.attributes) & 7).toBe(Compression.gzip);
    expect((await records(log)).map((r) => [r.offset, r.key, r.value])).toEqual([
      [1, 'b', 'b1'],
      [2, 'c', 'c1'],
      [3, 'a', 'a2'],
      [4, 'z', 'z'],
    ]);
    expect(batches[0].lastOffset).toBe(2);
    await log.close();
  });

  test('a full offset map ends the pass early; the next pass goes on from there', async () => {
    const dir = await tmpDir();
    const log = await buildLog(dir, 5000, 2, 50, 64 * 1024);
    const before = await records(log);
    const cleaner = new Cleaner({ dedupeBufferBytes: 1 }); // the smallest map: 4096 slots, 3686 keys
    const first = await cleaner.clean(log, ccfg(), NOW);
    expect(first!.keysMapped).toBeLessThanOrEqual(3686);
    const active = log.segmentList()[log.segmentList().length - 1];
    expect(first!.endOffset).toBeLessThan(active.baseOffset);
    let after = await records(log);
    expect(lastPerKey(after)).toEqual(lastPerKey(before));
    for (let i = 0; i < 10 && (await readCleanerCheckpoint(dir)) < active.baseOffset; i++) await cleaner.clean(log, ccfg(), NOW);
    expect(await readCleanerCheckpoint(dir)).toBe(active.baseOffset);
    after = await records(log);
    expect(lastPerKey(after)).toEqual(lastPerKey(before));
    const cleaned = after.filter((r) => r.offset < active.baseOffset).map((r) => r.key);
    expect(new Set(cleaned).size).toBe(cleaned.length);
    await log.close();
  });

  test('appends and reads go on while a pass runs', async () => {
    const dir = await tmpDir();
    const log = await buildLog(dir, 200, 20, 10, 8192);
    const cleaner = new Cleaner({ sliceMs: 0, ioChunkBytes: 4096 });
    const pass = cleaner.clean(log, ccfg(), NOW);
    let appended = 0;
    let reads = 0;
    let done = false;
    void pass.finally(() => (done = true));
    while (!done) {
      await log.append(kvBatch([[`key-${appended % 200}`, `during-${appended}`]]));
      appended++;
      const r = await log.read(0, 10_000);
      expect(r.records.length).toBeGreaterThan(0);
      reads++;
    }
    await pass;
    expect(appended).toBeGreaterThan(0);
    expect(reads).toBe(appended);
    const after = await records(log);
    expectOffsetsIncreasing(after);
    expect(after[after.length - 1].value).toBe(`during-${appended - 1}`);
    await log.close();
  });
});

async function recordsOf(bufs: Buffer[]): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const buf of bufs) {
    let pos = 0;
    while (pos < buf.length) {
      const size = 12 + buf.readInt32BE(pos + 8);
      const v = readBatch(buf.subarray(pos, pos + size));
      const decoded = decodeRecords(v.records, v.recordCount);
      decoded.forEach((r, i) => out.push({ offset: v.views[i].offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: v.views[i].timestamp }));
      pos += size;
    }
  }
  return out;
}

describe('compact,delete', () => {
  test('retention deletes old segments and the cleaner goes on from the new log start', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 400, retentionMs: 60_000 }));
    const old = NOW - 10 * 60_000;
    for (let i = 0; i < 6; i++) await log.append(kvBatch([['a', `old-${i}`], ['b', `old-${i}`]], { ts: old }));
    const cleaner = new Cleaner();
    await cleaner.clean(log, ccfg(), NOW);
    const checkpointBefore = await readCleanerCheckpoint(dir);
    for (let i = 0; i < 6; i++) await log.append(kvBatch([['a', `new-${i}`], ['c', `new-${i}`]], { ts: NOW }));
    await (log as unknown as { roll(): Promise<void> }).roll();
    // retention removes every sealed segment with only old records
    expect(await log.applyRetention(NOW)).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThanOrEqual(checkpointBefore);
    const info = await cleaner.cleanable(log, ccfg(), NOW);
    expect(info.firstDirtyOffset).toBe(Math.max(checkpointBefore, log.logStartOffset));
    await cleaner.clean(log, ccfg(), NOW);
    const rs = await records(log);
    expect(rs.filter((r) => r.key === 'a').map((r) => r.value)).toEqual(['new-5']);
    expect(lastPerKey(rs).get('a')!.value).toBe('new-5');
    expect(lastPerKey(rs).get('c')!.value).toBe('new-5');
    await log.close();
  });
});

describe('crash safety', () => {
  /**
   * For every step of the swap (each rename and removal), "crash" there: the
   * step throws, the log is abandoned without cleanup, and the directory is
   * opened again. Every state must give a log where each key's latest value
   * is the original's, every record is an original one at its own offset, no
   * offset appears twice, and nothing of the cleaner is left behind.
   */
  test('a kill at any step of the swap loses no live key and duplicates no offset', async () => {
    const template = await tmpDir();
    const built = await buildLog(template, 30, 6, 5, 1024);
    const original = await records(built);
    await built.close();
    let steps = 0;
    for (let crashAt = 0; ; crashAt++) {
      const dir = await tmpDir();
      await fsp.cp(template, dir, { recursive: true });
      const log = await PartitionLog.open(dir, cfg({ segmentBytes: 1024, indexIntervalBytes: 256 }));
      let calls = 0;
      const crash = (): void => {
        if (calls++ === crashAt) throw Object.assign(new Error('simulated crash'), { code: 'ECRASH' });
      };
      const rename = jest.spyOn(cleanerFs, 'rename');
      const unlink = jest.spyOn(cleanerFs, 'unlink');
      const realRename = (a: string, b: string) => fsp.rename(a, b);
      const realUnlink = (p: string) => fsp.unlink(p);
      rename.mockImplementation(async (a, b) => {
        crash();
        return realRename(a, b);
      });
      unlink.mockImplementation(async (p) => {
        crash();
        return realUnlink(p);
      });
      let crashed = false;
      try {
        await new Cleaner().clean(log, ccfg(), NOW);
        // the background removals of replaced segments
        await new Promise((r) => setTimeout(r, 50));
      } catch (err) {
        expect((err as Error).message).toBe('simulated crash');
        crashed = true;
      }
      jest.restoreAllMocks();
      await log.close().catch(() => undefined);
      const reopened = await PartitionLog.open(dir, cfg({ segmentBytes: 1024, indexIntervalBytes: 256 }));
      const rs = await records(reopened);
      expectOffsetsIncreasing(rs);
      const byOffset = new Map(original.map((r) => [r.offset, r]));
      for (const r of rs) expect(byOffset.get(r.offset)).toEqual(r);
      expect(lastPerKey(rs)).toEqual(lastPerKey(original));
      expect(reopened.logEndOffset).toBe(original[original.length - 1].offset + 1);
      expect((await listDir(dir)).filter((f) => /\.(cleaned|swap|deleted)$/.test(f))).toEqual([]);
      // and cleaning after the restart finishes the job
      await new Cleaner().clean(reopened, ccfg(), NOW);
      expect(lastPerKey(await records(reopened))).toEqual(lastPerKey(original));
      await reopened.close();
      steps++;
      if (!crashed) break;
      expect(crashAt).toBeLessThan(500);
    }
    expect(steps).toBeGreaterThanOrEqual(10);
  });

  test('leftover .cleaned files are removed and the originals kept; a .swap with all originals present replaces them', async () => {
    const dir = await tmpDir();
    const log = await buildLog(dir, 10, 4, 5, 400);
    const original = await records(log);
    const segs = log.segmentList();
    await log.close();
    // a half-written cleaned segment
    await fsp.writeFile(path.join(dir, `${String(0).padStart(20, '0')}.log.cleaned`), Buffer.alloc(100, 1));
    await fsp.writeFile(path.join(dir, `${String(0).padStart(20, '0')}.index.cleaned`), Buffer.alloc(8));
    let reopened = await PartitionLog.open(dir, cfg({ segmentBytes: 400 }));
    expect(await records(reopened)).toEqual(original);
    expect((await listDir(dir)).some((f) => f.endsWith('.cleaned'))).toBe(false);
    await reopened.close();
    // a complete swap of the first two segments (all originals still present)
    const keep = original.filter((r) => r.offset < segs[2].baseOffset);
    const latest = lastPerKey(keep);
    const survivors = keep.filter((r) => latest.get(r.key!)!.offset === r.offset);
    const lastOffset = segs[2].baseOffset - 1;
    const recs = survivors.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }));
    const b = buildRecordBatch(recs, { baseOffset: 0, baseTimestamp: survivors[0].timestamp });
    // give the records their original offsets: rebuild one batch per survivor plus an empty tail batch
    const parts = survivors.map((r) => buildRecordBatch([{ key: r.key, value: r.value, timestamp: r.timestamp }], { baseOffset: r.offset, baseTimestamp: r.timestamp }));
    void b;
    const tail = buildRecordBatch([{ key: 'x', value: 'x' }], { baseOffset: lastOffset });
    const emptyTail = Buffer.from(tail.subarray(0, 61));
    emptyTail.writeInt32BE(49, Off.batchLength);
    emptyTail.writeInt32BE(0, Off.recordCount);
    emptyTail.writeInt32BE(0, Off.lastOffsetDelta);
    emptyTail.writeUInt32BE(crc32c(emptyTail.subarray(CRC_START)), Off.crc);
    await fsp.writeFile(path.join(dir, `${String(0).padStart(20, '0')}.log.swap`), Buffer.concat([...parts, emptyTail]));
    reopened = await PartitionLog.open(dir, cfg({ segmentBytes: 400 }));
    const rs = await records(reopened);
    expect(rs.filter((r) => r.offset < segs[2].baseOffset)).toEqual(survivors);
    expect(rs.filter((r) => r.offset >= segs[2].baseOffset)).toEqual(original.filter((r) => r.offset >= segs[2].baseOffset));
    expect(await listDir(dir)).not.toContain(`${String(segs[1].baseOffset).padStart(20, '0')}.log`);
    await reopened.close();
  });
});

describe('LogCleaner (background)', () => {
  test('cleans the dirtiest compacted log above its ratio, leaves delete-only and clean logs alone, follows config changes', async () => {
    const dirA = await tmpDir();
    const dirB = await tmpDir();
    const a = await buildLog(dirA, 20, 6);
    const b = await buildLog(dirB, 20, 6);
    const configs: Record<string, CleanerTopicConfig> = { a: ccfg(), b: ccfg({ compact: false }) };
    const cleaner = new LogCleaner({ backoffMs: 60_000 }, () => [
      { name: 'a', log: a, config: () => configs.a },
      { name: 'b', log: b, config: () => configs.b },
    ]);
    expect(await cleaner.cleanOnce(NOW)).toBe(true);
    expect(await readCleanerCheckpoint(dirA)).toBeGreaterThan(0);
    expect(await readCleanerCheckpoint(dirB)).toBe(-1);
    expect(await cleaner.cleanOnce(NOW)).toBe(false); // a is clean now, b is not compacted
    configs.b = ccfg({ minCleanableDirtyRatio: 0.99 }); // ratio is 1: strictly above
    expect(await cleaner.cleanOnce(NOW)).toBe(true);
    expect(await readCleanerCheckpoint(dirB)).toBeGreaterThan(0);
    // below the ratio nothing happens, unless max.compaction.lag.ms is exceeded
    for (let i = 0; i < 3; i++) await a.append(kvBatch([['key-1', `x${i}`]]));
    await (a as unknown as { roll(): Promise<void> }).roll();
    configs.a = ccfg({ minCleanableDirtyRatio: 0.9 });
    expect(await cleaner.cleanOnce(NOW)).toBe(false);
    configs.a = ccfg({ minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 1000 });
    expect(await cleaner.cleanOnce(NOW)).toBe(true);
    await cleaner.stop();
    await a.close();
    await b.close();
  });

  test('a log whose pass fails is left alone (Kafka\'s uncleanable partitions) and the others still get cleaned', async () => {
    const dirA = await tmpDir();
    const dirB = await tmpDir();
    // a batch with more records than the smallest map holds: A cannot be cleaned
    const a = await PartitionLog.open(dirA, cfg({ segmentBytes: 1024 }));
    await a.append(kvBatch(Array.from({ length: 4000 }, (_, i): KV => [`k${i}`, 'v'])));
    await a.append(kvBatch([['x', 'y']]));
    const b = await buildLog(dirB, 20, 4);
    const cleaner = new LogCleaner({ backoffMs: 60_000, dedupeBufferBytes: 1 }, () => [
      { name: 'a', log: a, config: () => ccfg() },
      { name: 'b', log: b, config: () => ccfg({ minCleanableDirtyRatio: 0.1 }) },
    ]);
    expect(await cleaner.cleanOnce(NOW)).toBe(false); // A and B both have ratio 1: A, listed first, is tried and fails
    expect(await cleaner.cleanOnce(NOW)).toBe(true);
    expect(cleaner.isUncleanable(a)).toBe(true);
    expect(cleaner.isUncleanable(b)).toBe(false);
    expect(await readCleanerCheckpoint(dirB)).toBeGreaterThan(0);
    expect(await cleaner.cleanOnce(NOW)).toBe(false);
    await cleaner.stop();
    await a.close();
    await b.close();
  });

  test('stop() ends a running pass at its next slice and leaves no cleaner files', async () => {
    const dir = await tmpDir();
    const log = await buildLog(dir, 300, 30, 10, 16 * 1024);
    const original = await records(log);
    const cleaner = new LogCleaner({ backoffMs: 1, sliceMs: 0, ioChunkBytes: 4096 }, () => [{ name: 'x', log, config: () => ccfg() }]);
    cleaner.start();
    await new Promise((r) => setTimeout(r, 30));
    await cleaner.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect((await listDir(dir)).filter((f) => /\.(cleaned|swap)$/.test(f))).toEqual([]);
    expect(lastPerKey(await records(log))).toEqual(lastPerKey(original));
    await log.close();
  });
});
