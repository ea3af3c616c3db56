#!/usr/bin/env node
/**
 * Produce throughput with each codec through librdkafka: kcat -P (librdkafka
 * 2.0.2, acks=1, its default batching) sends N records of 100 bytes read
 * from a prepared file, each codec to a fresh topic of the built broker
 * (dist/) running as its own process. Time is from kcat's spawn to its exit
 * (every record delivered); the end offset is checked afterwards. Each codec
 * runs 3 times (once with --quick), each time to a fresh topic; the median
 * is reported.
 *
 *   node bench/codecs.js [--quick] [--records N] [--validate] [--json out.json]
 *
 * Prints records/s, MB/s of uncompressed values, and the bytes stored per
 * record. --validate adds a second broker started with --validate-records
 * (every batch decompressed and checked, as Kafka's LogValidator does).
 * Exported as codecFigures() for bench/run.js.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync, openSync, closeSync, readdirSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { dist, WireClient, freePort, stopChild, median } = require('./wire');
const { MESSAGES } = require(join(dist, 'protocol/messages'));

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const VALUE_BYTES = 100;

/** 100-byte values that look like application events: some repetition, some variety (random bytes would not compress, one repeated byte would compress absurdly). */
function writeInput(path, records) {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  const events = ['click', 'view', 'purchase', 'login', 'logout', 'search'];
  const lines = [];
  let x = 12345;
  for (let i = 0; i < records; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    let v = `{"id":${i},"user":"${users[x % 8]}","event":"${events[(x >>> 8) % 6]}","amount":${(x >>> 12) % 10000},"ts":${1700000000000 + i * 13}`;
    v = (v + ',"pad":"' + 'x'.repeat(VALUE_BYTES)).slice(0, VALUE_BYTES - 2) + '"}';
    lines.push(v);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

async function endOffset(client, topic) {
  const res = await client.request(2, MESSAGES[2], 2, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  return Number(res.topics[0].partitions[0].offset);
}

async function createTopic(client, topic) {
  await client.request(3, MESSAGES[3], 4, { topics: [{ name: topic }], allowAutoTopicCreation: true });
}

function dirBytes(dir) {
  let n = 0;
  for (const f of readdirSync(dir)) if (f.endsWith('.log')) n += statSync(join(dir, f)).size;
  return n;
}

function runKcat(port, topic, codec, inputPath) {
  return new Promise((resolve, reject) => {
    const fd = openSync(inputPath, 'r');
    const t0 = process.hrtime.bigint();
    const child = spawn(
      'kcat',
      ['-P', '-b', `127.0.0.1:${port}`, '-t', topic, '-p', '0', '-z', codec, '-X', 'acks=1', '-X', 'queue.buffering.max.messages=1000000'],
      { stdio: [fd, 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      closeSync(fd);
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`kcat -z ${codec} exited ${code}: ${stderr}`));
      else resolve(sec);
    });
  });
}

/** One broker, every codec: [{ codec, records, seconds, recordsPerSec, mbPerSec, storedBytesPerRecord }]. */
async function measureBroker(records, inputPath, extraArgs, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-codecs-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn', ...extraArgs], { stdio: 'ignore' });
  const out = [];
  try {
    const client = await WireClient.open(port);
    try {
      for (const codec of CODECS) {
        const times = [];
        let topic;
        for (let run = 0; run < runs; run++) {
          topic = `bench-codec-${codec}-${run}`;
          await createTopic(client, topic);
          times.push(await runKcat(port, topic, codec, inputPath));
          const end = await endOffset(client, topic);
          if (end !== records) throw new Error(`${codec}: ${end} records stored, ${records} sent`);
        }
        const seconds = median(times);
        out.push({
          codec,
          records,
          seconds,
          recordsPerSec: records / seconds,
          mbPerSec: (records * VALUE_BYTES) / seconds / 1e6,
          storedBytesPerRecord: dirBytes(join(dir, `${topic}-0`)) / records,
        });
      }
    } finally {
      client.close();
    }
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function codecFigures({ quick = false, records, validate = !quick } = {}) {
  if (spawnSync('kcat', ['-V']).status !== 0) return { skipped: 'kcat not installed' };
  const n = records ?? (quick ? 20000 : 300000);
  const tmp = mkdtempSync(join(tmpdir(), 'kafkats-bench-input-'));
  try {
    const input = join(tmp, 'records.txt');
    writeInput(input, n);
    const runs = quick ? 1 : 3;
    const result = { records: n, valueBytes: VALUE_BYTES, runs, default: await measureBroker(n, input, [], runs) };
    if (validate) result.validateRecords = await measureBroker(n, input, ['--validate-records'], runs);
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function printCodecFigures(r) {
  if (r.skipped) {
    console.log(`produce per codec through librdkafka: skipped (${r.skipped})`);
    return;
  }
  const f = (n, d = 1) => n.toFixed(d);
  const rows = (label, list) => {
    for (const x of list) {
      console.log(`produce ${r.records} x ${r.valueBytes} B via kcat -z ${x.codec.padEnd(6)}${label}  ${f(x.recordsPerSec, 0)} records/s, ${f(x.mbPerSec)} MB/s, ${f(x.storedBytesPerRecord)} B stored per record (median of ${r.runs})`);
    }
  };
  rows('', r.default);
  if (r.validateRecords) rows(' (--validate-records)', r.validateRecords);
}

module.exports = { codecFigures, printCodecFigures };

if (require.main === module) {
  const args = process.argv.slice(2);
  const valueOf = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes('--quick');
  const records = valueOf('--records') === undefined ? undefined : Number(valueOf('--records'));
  codecFigures({ quick, records, validate: args.includes('--validate') })
    .then((r) => {
      printCodecFigures(r);
      const out = valueOf('--json');
      if (out) writeFileSync(out, JSON.stringify(r, null, 2));
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
