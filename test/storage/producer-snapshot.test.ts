import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { buildRecordBatch } from '../../src/protocol/record-batch';
import { PartitionLog } from '../../src/storage/partition-log';
import { CorruptSnapshotError, decodeSnapshot, encodeSnapshot, snapshotFileName } from '../../src/storage/producer-snapshot';
import { OutOfOrderSequenceError, ProducerEntry } from '../../src/storage/producer-state';
import { cfg, cleanupTmpDirs, readAll, tmpDir } from './helpers';
import { fileIo } from '../../src/storage/file-io';
import * as fs from 'node:fs';

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanupTmpDirs();
});

const entries: ProducerEntry[] = [
  {
    producerId: 9007199254740993n,
    epoch: 32767,
    lastTimestamp: 1700000000123,
    batches: [
      { firstSeq: 2147483646, lastSeq: 1, firstOffset: 10, lastOffset: 13, maxTimestamp: 1700000000000 },
      { firstSeq: 2, lastSeq: 2, firstOffset: 20, lastOffset: 20, maxTimestamp: 1700000000123 },
    ],
  },
  { producerId: 0n, epoch: 0, lastTimestamp: -1, batches: [] },
];

describe('snapshot format', () => {
  test('round-trips every field', () => {
    const bytes = encodeSnapshot(entries);
    expect(bytes.subarray(0, 6)).toEqual(Buffer.from([0x4b, 0x54, 0x50, 0x53, 0, 1])); // "KTPS", version 1
    expect(decodeSnapshot(bytes)).toEqual(entries);
    expect(decodeSnapshot(encodeSnapshot([]))).toEqual([]);
    expect(snapshotFileName(123)).toBe('00000000000000000123.snapshot');
  });

  test('any flipped byte, truncation or trailing garbage is detected', () => {
    const bytes = encodeSnapshot(entries);
    for (let i = 0; i < bytes.length; i++) {
      const bad = Buffer.from(bytes);
      bad[i] ^= 0x40;
      expect(() => decodeSnapshot(bad)).toThrow(CorruptSnapshotError);
    }
    for (let n = 0; n < bytes.length; n++) expect(() => decodeSnapshot(bytes.subarray(0, n))).toThrow(CorruptSnapshotError);
    expect(() => decodeSnapshot(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(CorruptSnapshotError);
  });
});

function pbatch(pid: bigint, seq: number, n: number, tag: string, epoch = 0): Buffer {
  return buildRecordBatch(
    Array.from({ length: n }, (_, i) => ({ value: `${tag}-${i}`.padEnd(60, '.'), timestamp: 1_000_000 + i })),
    { producerId: pid, producerEpoch: epoch, baseSequence: seq, baseTimestamp: 1_000_000 },
  );
}

async function snapshotsIn(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((f) => f.endsWith('.snapshot')).sort();
}

describe('partition log: producer state on disk', () => {
  test('a snapshot at each roll and at close; after a clean reopen every retry in the window is a duplicate', async () => {
    const dir = await tmpDir();
    let log = await PartitionLog.open(dir, cfg({ segmentBytes: 600 }));
    for (let i = 0; i < 10; i++) expect((await log.append(pbatch(7n, i * 2, 2, `b${i}`))).baseOffset).toBe(i * 2);
    expect(log.append(buildRecordBatch([{ value: 'plain' }])).then((r) => r.baseOffset)).resolves.toBe(20);
    await log.close();
    const snaps = await snapshotsIn(dir);
    expect(snaps.length).toBeGreaterThan(2); // rolls + close
    expect(snaps[snaps.length - 1]).toBe(snapshotFileName(21));
    log = await PartitionLog.open(dir, cfg({ segmentBytes: 600 }), undefined, { cleanShutdown: true });
    try {
      for (let i = 5; i < 10; i++) {
        const r = await log.append(pbatch(7n, i * 2, 2, `b${i}`));
        expect(r).toEqual(expect.objectContaining({ baseOffset: i * 2, lastOffset: i * 2 + 1, duplicate: expect.anything() }));
      }
      await expect(log.append(pbatch(7n, 21, 1, 'gap'))).rejects.toThrow(OutOfOrderSequenceError);
      expect(log.logEndOffset).toBe(21);
    } finally {
      await log.close();
    }
  });

  test('after a crash the newest snapshot is loaded and the batches after it replayed; snapshots past a cut log end are dropped', async () => {
    const dir = await tmpDir();
    const config = cfg({ segmentBytes: 600 });
    const log = await PartitionLog.open(dir, config);
    for (let i = 0; i < 10; i++) await log.append(pbatch(7n, i * 2, 2, `b${i}`));
    // a crash: no close(); the snapshots written at the rolls are on disk, the last segment's batches are not in any
    await new Promise((r) => setTimeout(r, 50));
    const snaps = await snapshotsIn(dir);
    expect(snaps.length).toBeGreaterThan(0);
    // plus a snapshot from the future, as if the log had been longer once
    await fsp.copyFile(path.join(dir, snaps[snaps.length - 1]), path.join(dir, snapshotFileName(500)));
    // and a torn last batch
    const logs = (await fsp.readdir(dir)).filter((f) => f.endsWith('.log')).sort();
    const last = path.join(dir, logs[logs.length - 1]);
    const size = (await fsp.stat(last)).size;
    await fsp.truncate(last, size - 10);
    const reopened = await PartitionLog.open(dir, config);
    try {
      expect(reopened.logEndOffset).toBe(18);
      expect(await snapshotsIn(dir)).not.toContain(snapshotFileName(500));
      // the batch cut off was never written: its retry is new, at the old place
      const retried = await reopened.append(pbatch(7n, 18, 2, 'b9'));
      expect(retried.duplicate).toBeUndefined();
      expect(retried.baseOffset).toBe(18);
      // batch 8 was replayed (it is after the last snapshot): a duplicate
      expect((await reopened.append(pbatch(7n, 16, 2, 'b8'))).duplicate).toEqual(expect.objectContaining({ firstOffset: 16 }));
      expect((await readAll(reopened)).length).toBe(10);
    } finally {
      await reopened.close();
      await log.close().catch(() => undefined);
    }
  });

  test('a crash tearing the last batch at any byte: its retry is written anew, the one before is still a duplicate', async () => {
    const base = await tmpDir();
    const original = path.join(base, 'original');
    const log = await PartitionLog.open(original, cfg());
    for (let i = 0; i < 3; i++) await log.append(pbatch(6n, i * 2, 2, `t${i}`));
    const lastSize = pbatch(6n, 4, 2, 't2').length;
    const file = path.join(original, '00000000000000000000.log');
    const full = await fsp.readFile(file);
    await log.close();
    for (let cut = 1; cut <= lastSize; cut++) {
      const dir = path.join(base, `cut-${cut}`);
      await fsp.mkdir(dir);
      await fsp.writeFile(path.join(dir, '00000000000000000000.log'), full.subarray(0, full.length - cut));
      const reopened = await PartitionLog.open(dir, cfg());
      try {
        expect(reopened.logEndOffset).toBe(4);
        const retry = await reopened.append(pbatch(6n, 4, 2, 't2'));
        expect([cut, retry.duplicate, retry.baseOffset]).toEqual([cut, undefined, 4]);
        expect((await reopened.append(pbatch(6n, 2, 2, 't1'))).duplicate).toEqual(expect.objectContaining({ firstOffset: 2, lastOffset: 3 }));
      } finally {
        await reopened.close();
      }
    }
  });

  test('a corrupt snapshot is ignored (and removed): the state comes from an older one or the log', async () => {
    const dir = await tmpDir();
    const config = cfg({ segmentBytes: 600 });
    const log = await PartitionLog.open(dir, config);
    for (let i = 0; i < 6; i++) await log.append(pbatch(3n, 100 + i, 1, `c${i}`));
    await log.close();
    const snaps = await snapshotsIn(dir);
    const newest = path.join(dir, snaps[snaps.length - 1]);
    const bytes = await fsp.readFile(newest);
    bytes[bytes.length - 3] ^= 0xff;
    await fsp.writeFile(newest, bytes);
    const reopened = await PartitionLog.open(dir, config, undefined, { cleanShutdown: true });
    try {
      expect(await snapshotsIn(dir)).not.toContain(snaps[snaps.length - 1]);
      expect((await reopened.append(pbatch(3n, 105, 1, 'c5'))).duplicate).toEqual(expect.objectContaining({ firstOffset: 5 }));
      expect((await reopened.append(pbatch(3n, 106, 1, 'c6'))).baseOffset).toBe(6);
    } finally {
      await reopened.close();
    }
  });

  test('a write that fails drops the producer state of what was queued: the retry is written, not taken for a duplicate', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    await log.append(pbatch(1n, 0, 1, 'ok'));
    jest.spyOn(fileIo, 'writevSync').mockImplementationOnce((fd, bufs, position) => {
      fs.writeSync(fd, bufs[0].subarray(0, 20), 0, 20, position);
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    const lost = log.append(pbatch(1n, 1, 2, 'lost'));
    // a retry of the same batch while the first write is still in flight waits for it, and fails with it
    const retryMeanwhile = log.append(pbatch(1n, 1, 2, 'lost'));
    await expect(lost).rejects.toThrow(/ENOSPC/);
    await expect(retryMeanwhile).rejects.toThrow(/ENOSPC/);
    const retry = await log.append(pbatch(1n, 1, 2, 'lost'));
    expect(retry.duplicate).toBeUndefined();
    expect(retry.baseOffset).toBe(1);
    expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 1]);
    await log.close();
  });

  test('snapshots go with their segments under retention, the newest stays', async () => {
    const dir = await tmpDir();
    const config = cfg({ segmentBytes: 600, retentionBytes: 700, retentionMs: -1 });
    const log = await PartitionLog.open(dir, config);
    try {
      for (let i = 0; i < 12; i++) await log.append(pbatch(4n, i, 1, `r${i}`));
      await new Promise((r) => setTimeout(r, 50));
      const before = await snapshotsIn(dir);
      expect(before.length).toBeGreaterThan(1);
      expect(await log.applyRetention()).toBeGreaterThan(0);
      const after = await snapshotsIn(dir);
      for (const s of after) expect(Number(s.slice(0, 20))).toBeGreaterThanOrEqual(log.logStartOffset);
      expect(after).toContain(before[before.length - 1]);
    } finally {
      await log.close();
    }
  });

  test('with no snapshot at all, a crash start replays the whole log; a clean start trusts that there was no state (as Kafka)', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg());
    for (let i = 0; i < 3; i++) await log.append(pbatch(8n, 50 + i, 1, `n${i}`));
    expect(await snapshotsIn(dir)).toEqual([]); // no roll, no close: a crash
    const crashed = await PartitionLog.open(dir, cfg());
    try {
      expect((await crashed.append(pbatch(8n, 50, 1, 'n0'))).duplicate).toEqual(expect.objectContaining({ firstOffset: 0 }));
      expect(crashed.producers.activeProducers()).toEqual([expect.objectContaining({ producerId: 8n, epoch: 0 })]);
    } finally {
      await crashed.close();
      await log.close().catch(() => undefined);
    }
    await fsp.rm(path.join(dir, snapshotFileName(3)));
    const clean = await PartitionLog.open(dir, cfg(), undefined, { cleanShutdown: true });
    try {
      expect(clean.producers.activeProducers()).toEqual([]);
    } finally {
      await clean.close();
    }
  });

  test('no producer ever: no snapshot file unless the log rolled (then empty ones, so a crash start replays only the last segment)', async () => {
    const dir = await tmpDir();
    const log = await PartitionLog.open(dir, cfg({ segmentBytes: 300 }));
    await log.append(buildRecordBatch([{ value: 'p'.padEnd(100, '.') }]));
    await log.close();
    expect(await snapshotsIn(dir)).toEqual([]);
    const again = await PartitionLog.open(dir, cfg({ segmentBytes: 300 }), undefined, { cleanShutdown: true });
    for (let i = 1; i < 10; i++) await again.append(buildRecordBatch([{ value: `p${i}`.padEnd(100, '.') }]));
    await again.close();
    const snaps = await snapshotsIn(dir);
    expect(snaps.length).toBeGreaterThan(1);
    for (const f of snaps) expect(await fsp.readFile(path.join(dir, f))).toEqual(encodeSnapshot([]));
  });
});
