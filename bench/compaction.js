#!/usr/bin/env node
/**
 * Log compaction figure: the cleaner's rate in MB/s of input cleaned.
 *
 *   node bench/compaction.js [--quick] [--mb N] [--keys N] [--value-bytes N]
 *
 * Builds (in this process, over dist/) a partition log of N MB of records
 * with K distinct keys in batches of 1,000 records, 128 MB segments, seals
 * it, then times one cleaning pass (offset map + copy + swap) with a fresh
 * cleaner. Reports input MB/s (bytes of segments read by the copy phase,
 * divided by the whole pass time), the time, the output size, RSS before
 * and after, the worst event-loop delay seen during the pass, and the
 * latency of appends to another log of the same process made one after
 * another meanwhile, next to the same without cleaning (the cleaner works in
 * slices so produce and fetch keep being served).
 */
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');

const dist = join(__dirname, '..', 'dist');
const { buildRecordBatch } = require(join(dist, 'protocol/record-batch'));
const { PartitionLog } = require(join(dist, 'storage/partition-log'));
const { DEFAULT_LOG_CONFIG } = require(join(dist, 'storage/log-config'));
const { Cleaner, DEFAULT_CLEANER_TOPIC_CONFIG } = require(join(dist, 'storage/log-cleaner'));

/** Appends one small batch at a time to `log` until stop() is called; returns the latencies (ms). */
function appendLoop(log) {
  const latencies = [];
  let stopped = false;
  const done = (async () => {
    const batch = () => buildRecordBatch([{ key: 'probe', value: 'x'.repeat(100) }]);
    while (!stopped) {
      const t = performance.now();
      await log.append(batch());
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      latencies.sort((a, b) => a - b);
      const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
      return { count: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1] };
    },
  };
}

async function compactionRate({ mb = 300, keys = 100000, valueBytes = 100 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-compaction-'));
  try {
    const log = await PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG, segmentBytes: 128 * 1024 * 1024 });
    const value = 'v'.repeat(valueBytes);
    const target = mb * 1024 * 1024;
    let n = 0;
    let pending = [];
    const buildStart = performance.now();
    while (log.logEndOffset === 0 || log.sizeBytes < target) {
      const records = [];
      for (let i = 0; i < 1000; i++) {
        // keys spread evenly, updates in a shuffled order
        const k = (n * 2654435761) % keys;
        records.push({ key: `key-${k}`, value, timestamp: 1_700_000_000_000 + n });
        n++;
      }
      pending.push(log.append(buildRecordBatch(records, { baseTimestamp: 1_700_000_000_000 + n - 1000 })));
      if (pending.length >= 64) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
    await log.roll(); // seal everything: the whole log is dirty
    await log.append(buildRecordBatch([{ key: 'key-active', value }]));
    const buildMs = performance.now() - buildStart;
    const inputBytes = log.sizeBytes;
    const probeLog = await PartitionLog.open(join(dir, 'probe-0'), DEFAULT_LOG_CONFIG);
    const idle = appendLoop(probeLog);
    await new Promise((r) => setTimeout(r, 1000));
    const appendIdle = await idle.stop();
    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss / 1e6;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const probe = appendLoop(probeLog);
    const stats = await new Cleaner().clean(log, DEFAULT_CLEANER_TOPIC_CONFIG, Date.now());
    const seconds = (performance.now() - t0) / 1000;
    const appendDuring = await probe.stop();
    await probeLog.close();
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    delay.disable();
    const rssAfter = process.memoryUsage().rss / 1e6;
    await log.close();
    return {
      inputMb: stats.bytesRead / 1e6,
      records: n,
      keys,
      seconds,
      mbPerSec: stats.bytesRead / 1e6 / seconds,
      cpuSeconds,
      mbPerCpuSec: stats.bytesRead / 1e6 / cpuSeconds,
      outputMb: stats.bytesWritten / 1e6,
      recordsRetained: stats.recordsRetained,
      logBytesBefore: inputBytes,
      rssBeforeMb: rssBefore,
      rssAfterMb: rssAfter,
      maxEventLoopDelayMs: delay.max / 1e6,
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayP50Ms: delay.percentile(50) / 1e6,
      appendIdle,
      appendDuring,
      buildSeconds: buildMs / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lat(a) {
  return `${a.p50.toFixed(2)}/${a.p99.toFixed(2)}/${a.max.toFixed(1)}`;
}

function describe(r) {
  return `log compaction, one pass over ${r.inputMb.toFixed(0)} MB (${r.records} records, ${r.keys} keys): ${r.mbPerSec.toFixed(1)} MB/s of input, ${r.seconds.toFixed(2)} s (${r.cpuSeconds.toFixed(2)} s CPU: ${r.mbPerCpuSec.toFixed(1)} MB per CPU-second), ${r.outputMb.toFixed(1)} MB kept; RSS ${r.rssBeforeMb.toFixed(0)} -> ${r.rssAfterMb.toFixed(0)} MB; worst event-loop delay ${r.maxEventLoopDelayMs.toFixed(1)} ms; append latency to another log p50/p99/max ${lat(r.appendDuring)} ms during the pass, ${lat(r.appendIdle)} ms without`;
}

module.exports = { compactionRate, describe };

if (require.main === module) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const argValue = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  compactionRate({ mb: argValue('--mb', quick ? 40 : 300), keys: argValue('--keys', 100000), valueBytes: argValue('--value-bytes', 100) })
    .then((r) => {
      console.log(describe(r));
      if (args.includes('--json')) console.log(JSON.stringify(r));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
