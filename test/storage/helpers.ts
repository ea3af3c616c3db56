import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildRecordBatch, RecordInput } from '../../src/protocol/record-batch';
import { DEFAULT_LOG_CONFIG, LogConfig, StorageLogger } from '../../src/storage/log-config';
import { PartitionLog, ReadResult } from '../../src/storage/partition-log';

const dirs: string[] = [];

export async function tmpDir(): Promise<string> {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'kafkats-storage-'));
  dirs.push(d);
  return d;
}

export async function cleanupTmpDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => fsp.rm(d, { recursive: true, force: true })));
}

export function cfg(over: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...over };
}

/** A batch of `n` records with values `${tag}-${i}` padded to `valueSize`, timestamps ts, ts+1, ... */
export function batch(n: number, opts: { tag?: string; ts?: number; valueSize?: number; attributes?: number } = {}): Buffer {
  const tag = opts.tag ?? 'v';
  const ts = opts.ts ?? 1_000_000;
  const records: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    records.push({ key: `k${i}`, value: `${tag}-${i}`.padEnd(opts.valueSize ?? 0, '.'), timestamp: ts + i });
  }
  return buildRecordBatch(records, { baseTimestamp: ts, attributes: opts.attributes });
}

export function batchWithTimestamps(timestamps: number[], attributes = 0): Buffer {
  return buildRecordBatch(
    timestamps.map((t, i) => ({ value: `r${i}`, timestamp: t })),
    { baseTimestamp: Math.min(...timestamps), attributes },
  );
}

export interface BatchView {
  baseOffset: number;
  lastOffset: number;
  epoch: number;
  size: number;
  bytes: Buffer;
}

/** Splits concatenated batches. */
export function splitBatches(buf: Buffer): BatchView[] {
  const out: BatchView[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const size = 12 + buf.readInt32BE(pos + 8);
    const baseOffset = Number(buf.readBigInt64BE(pos));
    out.push({
      baseOffset,
      lastOffset: baseOffset + buf.readInt32BE(pos + 23),
      epoch: buf.readInt32BE(pos + 12),
      size,
      bytes: buf.subarray(pos, pos + size),
    });
    pos += size;
  }
  if (pos !== buf.length) throw new Error('partial batch in read result');
  return out;
}

export function readBatches(r: ReadResult): BatchView[] {
  return r.records.flatMap((b) => splitBatches(b));
}

/** Reads the whole log [logStartOffset, highWatermark) batch by batch. */
export async function readAll(log: PartitionLog, maxBytes = 1 << 20): Promise<BatchView[]> {
  const out: BatchView[] = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const r = await log.read(offset, maxBytes);
    const bs = readBatches(r);
    if (bs.length === 0) throw new Error(`no progress at ${offset}`);
    out.push(...bs);
    offset = bs[bs.length - 1].lastOffset + 1;
  }
  return out;
}

export interface CapturedLogger extends StorageLogger {
  lines: { level: 'info' | 'warn'; o: object; msg?: string }[];
  warnings(): { o: object; msg?: string }[];
}

export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  return {
    lines,
    info: (o, msg) => lines.push({ level: 'info', o, msg }),
    warn: (o, msg) => lines.push({ level: 'warn', o, msg }),
    warnings: () => lines.filter((l) => l.level === 'warn'),
  };
}

export const seg = (base: number, suffix = '.log'): string => String(base).padStart(20, '0') + suffix;

export async function listDir(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).sort();
}
