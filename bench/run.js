#!/usr/bin/env node
/**
 * npm run bench: start-up time, idle memory and memory after a produce load,
 * measured on the built broker (dist/) running as its own process.
 *
 *   node bench/run.js [--quick] [--records N] [--json out.json]
 *
 * - start-up: spawn to first answered Metadata request, next to a bare
 *   `node` process that only opens a listener, measured in the same run;
 * - idle RSS: after start-up settles;
 * - produce: N records of 100 bytes in batches of 1,000 (about 100 KiB),
 *   acks=1, several requests in flight, through our own codec; RSS after;
 * - consumer groups (groups.js): two-member group formation, the broker's
 *   share and through kafkajs, the OffsetCommit rate, and a restart's time
 *   until the committed offsets are loaded back;
 * - produce per codec through librdkafka (codecs.js): kcat -P with none,
 *   gzip, snappy, lz4 and zstd, records/s and MB/s, also with
 *   --validate-records (not in --quick).
 * - log compaction (compaction.js): one cleaning pass over a log of 300 MB
 *   (40 MB with --quick), MB/s of input cleaned.
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const { dist, encodeRequest, connectRetry, freePort, stopChild, median, FrameSplitter } = require('./wire');
const { groupFormation, kafkajsGroupFormation, offsetCommitRate, timeToGroupsLoaded } = require('./groups');
const { codecFigures, printCodecFigures } = require('./codecs');
const compaction = require('./compaction');
const { metadataRequest, produceRequest } = require(join(dist, 'protocol/messages'));
const { buildRecordBatch } = require(join(dist, 'protocol/record-batch'));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argValue = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const RECORDS = Number(argValue('--records', quick ? 100000 : 1000000));
const STARTUP_RUNS = quick ? 3 : 7;

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return kb / 1024;
}

/** Sends one request frame and resolves when any response frame arrives. */
function roundTrip(socket, frame) {
  return new Promise((resolveRt) => {
    const splitter = new FrameSplitter(1 << 30);
    const onData = (d) => {
      if (splitter.push(d).length > 0) {
        socket.off('data', onData);
        resolveRt();
      }
    };
    socket.on('data', onData);
    socket.write(frame);
  });
}

/** Spawn to first answer; the child is left running for the caller. */
async function timeToFirstAnswer(command, commandArgs, port, frame) {
  const t0 = process.hrtime.bigint();
  const child = spawn(command, commandArgs, { stdio: 'ignore' });
  const socket = await connectRetry(port, Date.now() + 10000);
  await roundTrip(socket, frame);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  socket.destroy();
  return { ms, child };
}

const BARE_LISTENER = `require('net').createServer((s) => s.on('data', (d) => { const b = Buffer.alloc(8); b.writeInt32BE(4); b.writeInt32BE(d.readInt32BE(8), 4); s.write(b); })).listen(Number(process.argv[1]), '127.0.0.1');`;

async function startup() {
  const metadata = encodeRequest(3, metadataRequest, 1, { topics: [] }, 1);
  const broker = [];
  const bare = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-'));
    let port = await freePort();
    const b = await timeToFirstAnswer(process.execPath, [join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn'], port, metadata);
    broker.push(b.ms);
    await stopChild(b.child);
    rmSync(dir, { recursive: true, force: true });
    port = await freePort();
    const n = await timeToFirstAnswer(process.execPath, ['-e', BARE_LISTENER, String(port)], port, metadata);
    bare.push(n.ms);
    await stopChild(n.child);
  }
  return { brokerMs: median(broker), bareNodeMs: median(bare) };
}

async function produceLoad(port, records) {
  const socket = await connectRetry(port, Date.now() + 5000);
  const perBatch = 1000;
  const value = Buffer.alloc(100, 'x');
  const batch = buildRecordBatch(Array.from({ length: perBatch }, () => ({ value })));
  const requests = Math.ceil(records / perBatch);
  const inFlightMax = 8;
  const splitter = new FrameSplitter(1 << 30);
  let sent = 0;
  let answered = 0;
  const t0 = process.hrtime.bigint();
  await new Promise((resolveLoad) => {
    const pump = () => {
      while (sent < requests && sent - answered < inFlightMax) {
        sent++;
        socket.write(encodeRequest(0, produceRequest, 7, { acks: 1, timeoutMs: 30000, topicData: [{ name: 'bench', partitionData: [{ index: 0, records: batch }] }] }, sent));
      }
    };
    socket.on('data', (d) => {
      answered += splitter.push(d).length;
      if (answered >= requests) resolveLoad();
      else pump();
    });
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  socket.destroy();
  return { records: requests * perBatch, seconds, recordsPerSec: (requests * perBatch) / seconds, mbPerSec: (requests * batch.length) / seconds / 1e6 };
}

async function main() {
  const results = { date: new Date().toISOString(), node: process.version, quick };
  const s = await startup();
  results.startup = { ...s, ratio: s.brokerMs / s.bareNodeMs };

  const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-'));
  const port = await freePort();
  const brokerArgs = [join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn'];
  let child = spawn(process.execPath, brokerArgs, { stdio: 'ignore' });
  try {
    const socket = await connectRetry(port, Date.now() + 10000);
    await roundTrip(socket, encodeRequest(3, metadataRequest, 4, { topics: [{ name: 'bench' }], allowAutoTopicCreation: true }, 1));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 2000));
    results.idleRssMb = rssMb(child.pid);
    results.produce = await produceLoad(port, RECORDS);
    results.rssAfterProduceMb = rssMb(child.pid);
    results.groupFormation = await groupFormation(port, quick ? 3 : 20);
    results.kafkajsGroupFormation = await kafkajsGroupFormation(port, quick ? 1 : 3);
    results.offsetCommit = await offsetCommitRate(port, 'bench', quick ? 1 : 3);
    // Restart on the same data: how long until the committed offsets are loaded back and answered.
    await stopChild(child);
    const t0 = process.hrtime.bigint();
    child = spawn(process.execPath, brokerArgs, { stdio: 'ignore' });
    results.restartWithOffsets = { records: results.offsetCommit.commits, ...(await timeToGroupsLoaded(port, t0)) };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
  results.codecs = await codecFigures({ quick });

  results.compaction = await compaction.compactionRate({ mb: quick ? 40 : 300 });

  const f = (n, d = 1) => n.toFixed(d);
  console.log('figure                               value');
  console.log(`start-up to first Metadata answer    ${f(results.startup.brokerMs)} ms (bare node listener ${f(results.startup.bareNodeMs)} ms, ratio ${f(results.startup.ratio, 2)}x; median of ${STARTUP_RUNS})`);
  console.log(`idle RSS                             ${f(results.idleRssMb)} MB`);
  console.log(`produce ${results.produce.records} x 100 B records, acks=1   ${f(results.produce.recordsPerSec, 0)} records/s, ${f(results.produce.mbPerSec)} MB/s`);
  console.log(`RSS after the produce load           ${f(results.rssAfterProduceMb)} MB`);
  const gf = results.groupFormation;
  console.log(`2-member group, first JoinGroup to both Stable, clients answering at once (broker's share): median ${f(gf.medianMs)} ms, max ${f(gf.maxMs)} ms over ${gf.runs} groups (generation ${gf.generations})`);
  const kf = results.kafkajsGroupFormation;
  console.log(`2-member group through kafkajs defaults (client-bound: it heartbeats between fetches, an idle fetch waits 5 s): median ${f(kf.medianMs, 0)} ms over ${kf.runs}`);
  const oc = results.offsetCommit;
  console.log(`OffsetCommit (1 partition each, ${oc.connections} connections x ${oc.inFlight} in flight)   ${f(oc.perSec, 0)} requests/s`);
  const rw = results.restartWithOffsets;
  console.log(`restart with ${rw.records} offset commits in __consumer_offsets: first answer ${f(rw.firstAnswerMs)} ms, offsets loaded and answered ${f(rw.loadedMs)} ms`);
  printCodecFigures(results.codecs);
  console.log(compaction.describe(results.compaction));
  const out = argValue('--json', null);
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
