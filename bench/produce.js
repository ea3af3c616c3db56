/**
 * Produce throughput, broker-limited: the pipelined generator (load-generator.js)
 * sends Produce v7 requests, each one prebuilt 16 KiB batch of 100-byte records,
 * to 1 or 64 partitions (round robin, one partition per request), acks=1 and
 * acks=-1, each to a fresh topic. The floor server (floor-server.js, mode
 * 'append') gets the very same frames from the same generator in the same run.
 * Broker CPU from /proc/<pid>/stat, per GB of request bytes.
 */
'use strict';
const { join } = require('node:path');
const { dist, encodeRequest, WireClient } = require('./wire');
const { drive } = require('./load-generator');
const { startBroker, startFloor, cpuSeconds } = require('./proc');
const { MESSAGES, produceRequest } = require(join(dist, 'protocol/messages'));
const { buildRecordBatch } = require(join(dist, 'protocol/record-batch'));

const BATCH_BYTES = 16384;
const VALUE_BYTES = 100;

/** The largest batch of 100-byte records that fits in 16 KiB, and its record count. */
function batch16k() {
  const value = Buffer.alloc(VALUE_BYTES, 'x');
  const make = (n) => buildRecordBatch(Array.from({ length: n }, () => ({ value })));
  let n = Math.floor(BATCH_BYTES / VALUE_BYTES);
  while (make(n + 1).length <= BATCH_BYTES) n++;
  while (make(n).length > BATCH_BYTES) n--;
  return { batch: make(n), records: n };
}

/** Produce frames, one per partition of `topic`. */
function produceFrames(topic, partitions, acks, batch) {
  return Array.from({ length: partitions }, (_, p) =>
    encodeRequest(0, produceRequest, 7, { transactionalId: null, acks, timeoutMs: 30000, topicData: [{ name: topic, partitionData: [{ index: p, records: batch }] }] }, p + 1),
  );
}

async function createTopics(port, topics) {
  const c = await WireClient.open(port);
  try {
    const r = await c.request(19, MESSAGES[19], 5, {
      topics: topics.map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 30000,
      validateOnly: false,
    });
    for (const t of r.topics) if (t.errorCode !== 0) throw new Error(`CreateTopics ${t.name}: error ${t.errorCode}`);
  } finally {
    c.close();
  }
}

/** One produce request through the codec, to check the frames are accepted before timing them. */
async function checkProduce(port, frame) {
  const net = require('node:net');
  const { FrameSplitter } = require('./wire');
  const { Reader } = require(join(dist, 'protocol/primitives'));
  const s = net.connect(port, '127.0.0.1');
  const answer = await new Promise((resolve, reject) => {
    const sp = new FrameSplitter(1 << 30);
    s.on('error', reject);
    s.on('data', (d) => {
      const f = sp.push(d);
      if (f.length) resolve(f[0]);
    });
    s.write(frame);
  });
  s.destroy();
  const r = new Reader(answer);
  r.int32(); // correlation id (Produce v7 is not flexible: header v0)
  const body = MESSAGES[0].response.decode(r, 7);
  const err = body.responses[0].partitionResponses[0].errorCode;
  if (err !== 0) throw new Error(`produce answered error ${err}`);
}

async function measure(port, pid, frames, seconds, recordsPerRequest, inFlight = 8) {
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const r = await drive(port, { frameAt: (i) => frames[i % frames.length], seconds, inFlight });
  const cpu = pid ? cpuSeconds(pid) - cpu0 : 0;
  const mbPerSec = r.bytesSent / r.seconds / 1e6;
  return { ...r, mbPerSec, recordsPerSec: (r.requests * recordsPerRequest) / r.seconds, cpuPerGb: cpu / (r.bytesSent / 1e9) };
}

async function produceSection({ quick }) {
  const seconds = quick ? 0.3 : 3;
  const { batch, records } = batch16k();
  const rows = [];
  const floor = await startFloor('append');
  let floorR;
  try {
    floorR = await measure(floor.port, floor.pid, produceFrames('floor', 1, 1, batch), seconds, records);
  } finally {
    await floor.stop();
  }
  rows.push({ figure: 'floor: Node server appending frames, 16 KiB frames', value: floorR.mbPerSec, unit: 'MB/s', extra: `${fmt(floorR.recordsPerSec, 0)} records/s, ${fmt(floorR.cpuPerGb, 2)} CPU-s/GB` });
  const broker = await startBroker();
  try {
    const configs = [
      [1, 1],
      [-1, 1],
      [1, 64],
      [-1, 64],
    ];
    await createTopics(broker.port, configs.map(([acks, p]) => [`produce-a${acks}-p${p}`, p]));
    for (const [acks, partitions] of configs) {
      const frames = produceFrames(`produce-a${acks}-p${partitions}`, partitions, acks, batch);
      await checkProduce(broker.port, frames[0]);
      const r = await measure(broker.port, broker.pid, frames, seconds, records);
      const row = {
        figure: `produce acks=${acks}, ${partitions} partition${partitions > 1 ? 's' : ''}, ${records} x 100 B in 16 KiB batches, 8 in flight`,
        value: r.mbPerSec,
        unit: 'MB/s',
        ratio: r.mbPerSec / floorR.mbPerSec,
        extra: `${fmt(r.recordsPerSec, 0)} records/s, ${fmt(r.cpuPerGb, 2)} broker CPU-s/GB`,
        raw: r,
      };
      if (acks === 1) {
        row.target = '>= 50% of floor MB/s';
        row.met = row.ratio >= 0.5;
      }
      rows.push(row);
    }
  } finally {
    await broker.stop();
  }
  return rows;
}

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));

module.exports = { produceSection, batch16k, produceFrames, createTopics, checkProduce, measure, fmt };
