#!/usr/bin/env node
/**
 * npm run bench: the built broker (dist/kafkats.js) started as its own process
 * on a fresh data directory per section, driven over loopback, with the
 * floors it is compared with started in the same run. Prints one table and
 * optionally writes JSON.
 *
 *   node bench/run.js [--quick] [--only <section>[,<section>]] [--json out.json]
 *
 * Sections (each a module returning rows {figure, value, unit, ratio?, target?, met?, extra?}):
 *   startup     spawn to first Metadata answer vs a bare node listener (startup.js)
 *   produce     pipelined raw-protocol Produce, 16 KiB batches, acks 1/-1, 1/64 partitions, vs the append floor (produce.js)
 *   fetch       Fetch from offset 0, 8 MiB max_bytes, vs a prepared-buffer server (fetch.js)
 *   latency     end-to-end p50/p99/p99.9 at 5,000 records/s (latency.js)
 *   clients     kafkajs and @platformatic/kafka, 200,000 records each way, client-bound (clients.js)
 *   memory      idle RSS, peak RSS while up to 5 GB flows (memory.js)
 *   scale       1,000 partitions, 1,000 idle connections (scale.js)
 *   groups      group formation, OffsetCommit rate, restart with offsets (groups.js)
 *   codecs      produce per codec through kcat (codecs.js)
 *   compaction  one cleaning pass (compaction.js)
 * --quick runs every section at tiny sizes. Exit code 0 unless a section failed.
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, cpus, totalmem } = require('node:os');
const { join } = require('node:path');

const { dist, encodeRequest, connectRetry, freePort, stopChild } = require('./wire');
const { track } = require('./proc');
const { roundTrip, startupSection } = require('./startup');
const { produceSection } = require('./produce');
const { fetchSection } = require('./fetch');
const { latencySection } = require('./latency');
const { clientsSection } = require('./clients');
const { memorySection } = require('./memory');
const { scaleSection } = require('./scale');
const { groupFormation, kafkajsGroupFormation, offsetCommitRate, timeToGroupsLoaded } = require('./groups');
const { codecFigures } = require('./codecs');
const compaction = require('./compaction');
const { metadataRequest } = require(join(dist, 'protocol/messages'));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argValue = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

async function groupsSection() {
  const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-'));
  const port = await freePort();
  const brokerArgs = [join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn'];
  let child = track(spawn(process.execPath, brokerArgs, { stdio: 'ignore' }));
  const rows = [];
  try {
    const socket = await connectRetry(port, Date.now() + 10000);
    await roundTrip(socket, encodeRequest(3, metadataRequest, 4, { topics: [{ name: 'bench' }], allowAutoTopicCreation: true }, 1));
    socket.destroy();
    const gf = await groupFormation(port, quick ? 3 : 20);
    rows.push({ figure: `2-member group, first JoinGroup to both Stable, broker's share (median of ${gf.runs}; max ${gf.maxMs.toFixed(1)} ms)`, value: gf.medianMs, unit: 'ms' });
    const kf = await kafkajsGroupFormation(port, quick ? 1 : 3);
    rows.push({ figure: `2-member group through kafkajs defaults, client-bound (median of ${kf.runs})`, value: kf.medianMs, unit: 'ms' });
    const oc = await offsetCommitRate(port, 'bench', quick ? 1 : 3);
    rows.push({ figure: `OffsetCommit, 1 partition each, ${oc.connections} connections x ${oc.inFlight} in flight`, value: oc.perSec, unit: 'requests/s' });
    // Restart on the same data: how long until the committed offsets are loaded back and answered.
    await stopChild(child);
    const t0 = process.hrtime.bigint();
    child = track(spawn(process.execPath, brokerArgs, { stdio: 'ignore' }));
    const rw = await timeToGroupsLoaded(port, t0);
    rows.push({ figure: `restart with ${oc.commits} offset commits: offsets loaded and answered`, value: rw.loadedMs, unit: 'ms', extra: `first answer ${rw.firstAnswerMs.toFixed(1)} ms` });
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function codecsSection() {
  const r = await codecFigures({ quick, records: quick ? undefined : 100000 });
  if (r.skipped) return [{ figure: `produce per codec through kcat: skipped (${r.skipped})`, value: NaN, unit: '' }];
  const rows = [];
  const add = (label, list) => {
    for (const x of list) {
      rows.push({ figure: `kcat -P -z ${x.codec}${label}, ${r.records} x ${r.valueBytes} B (median of ${r.runs})`, value: x.mbPerSec, unit: 'MB/s', extra: `${x.recordsPerSec.toFixed(0)} records/s, ${x.storedBytesPerRecord.toFixed(1)} B stored per record` });
    }
  };
  add('', r.default);
  if (r.validateRecords) add(' --validate-records', r.validateRecords);
  return rows;
}

async function compactionSection() {
  const r = await compaction.compactionRate({ mb: quick ? 40 : 200 });
  return [{ figure: `log compaction, one pass over ${r.inputMb.toFixed(0)} MB (${r.keys} keys)`, value: r.mbPerSec, unit: 'MB/s', extra: compaction.describe(r).replace(/^[^:]*: /, '') }];
}

const SECTIONS = {
  startup: startupSection,
  produce: produceSection,
  fetch: fetchSection,
  latency: latencySection,
  clients: clientsSection,
  memory: memorySection,
  scale: scaleSection,
  groups: groupsSection,
  codecs: codecsSection,
  compaction: compactionSection,
};

const num = (v) => {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a >= 1000 ? Math.round(v).toLocaleString('en-US') : a >= 10 ? v.toFixed(1) : v.toFixed(2);
};

function printTable(results) {
  const lines = [['section', 'figure', 'value', 'vs floor', 'target', 'met']];
  for (const r of results) {
    if (r.error) {
      lines.push([r.section, `FAILED: ${r.error}`, '', '', '', '']);
      continue;
    }
    for (const row of r.rows) {
      lines.push([r.section, row.figure, `${num(row.value)} ${row.unit}`, row.ratio === undefined ? '' : `${(row.ratio * 100).toFixed(0)}%`, row.target ?? '', row.met === undefined ? '' : row.met ? 'met' : 'NOT MET']);
    }
  }
  const widths = [0, 1, 2, 3, 4, 5].map((i) => Math.max(...lines.map((l) => (i === 1 ? Math.min(l[i].length, 90) : l[i].length))));
  for (const l of lines) console.log(l.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
  const extras = results.flatMap((r) => (r.rows ?? []).filter((row) => row.extra).map((row) => `  ${r.section}: ${row.figure}: ${row.extra}`));
  if (extras.length) {
    console.log('\ndetails:');
    for (const e of extras) console.log(e);
  }
}

async function main() {
  const only = argValue('--only', null);
  const names = only ? only.split(',') : Object.keys(SECTIONS);
  for (const n of names) if (!SECTIONS[n]) throw new Error(`unknown section ${n}; sections: ${Object.keys(SECTIONS).join(', ')}`);
  const out = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, memGb: totalmem() / 2 ** 30, quick, sections: [] };
  const t0 = Date.now();
  for (const section of names) {
    const s0 = Date.now();
    process.stderr.write(`bench: ${section}...`);
    try {
      const rows = await SECTIONS[section]({ quick });
      out.sections.push({ section, seconds: (Date.now() - s0) / 1000, rows });
    } catch (err) {
      out.sections.push({ section, seconds: (Date.now() - s0) / 1000, error: err && err.message ? err.message : String(err) });
      console.error(err);
    }
    process.stderr.write(` ${((Date.now() - s0) / 1000).toFixed(1)} s\n`);
  }
  out.seconds = (Date.now() - t0) / 1000;
  printTable(out.sections);
  console.log(`\n${names.length} sections in ${out.seconds.toFixed(1)} s${quick ? ' (--quick)' : ''}`);
  const json = argValue('--json', null);
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
  return out.sections.some((s) => s.error) ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
