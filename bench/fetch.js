/**
 * Fetch throughput, broker-limited: one partition is filled with 16 KiB
 * batches of 100-byte records by the produce generator, then the same
 * generator sends Fetch v11 requests (8 MiB max_bytes, 4 in flight) walking
 * the log from offset 0 (wrapping round), answers counted by size only. The
 * floor is a Node server answering each of the same requests with a prepared
 * buffer of the broker's mean answer size (floor-server.js, mode 'serve').
 */
'use strict';
const { join } = require('node:path');
const { dist, encodeRequest, WireClient } = require('./wire');
const { drive } = require('./load-generator');
const { startBroker, startFloor, cpuSeconds } = require('./proc');
const { batch16k, produceFrames, createTopics, checkProduce, fmt } = require('./produce');
const { MESSAGES, fetchRequest } = require(join(dist, 'protocol/messages'));

const MAX_BYTES = 8 << 20;

function fetchFrame(topic, offset, id, partition = 0) {
  return encodeRequest(1, fetchRequest, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: MAX_BYTES,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: MAX_BYTES }] }],
    forgottenTopicsData: [],
    rackId: '',
  }, id);
}

async function fillPartition(port, topic, mb) {
  const { batch, records } = batch16k();
  const frames = produceFrames(topic, 1, 1, batch);
  await checkProduce(port, frames[0]);
  const requests = Math.ceil((mb * 1e6) / batch.length) - 1;
  await drive(port, { frameAt: () => frames[0], requests, inFlight: 8 });
  return { records: (requests + 1) * records, batchBytes: batch.length, recordsPerBatch: records };
}

async function fetchSection({ quick }) {
  const seconds = quick ? 0.3 : 3;
  const rows = [];
  const broker = await startBroker();
  let brokerR;
  let frames;
  let answerBytes;
  try {
    await createTopics(broker.port, [['fetch', 1]]);
    const fill = await fillPartition(broker.port, 'fetch', quick ? 24 : 300);
    const step = Math.floor(MAX_BYTES / fill.batchBytes) * fill.recordsPerBatch;
    const offsets = [];
    for (let o = 0; o + step <= fill.records; o += step) offsets.push(o);
    frames = offsets.map((o, i) => fetchFrame('fetch', o, i + 1));
    // Check once through the codec that a fetch answers records.
    const c = await WireClient.open(broker.port);
    const check = await c.request(1, MESSAGES[1], 11, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: MAX_BYTES, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'fetch', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: MAX_BYTES }] }], forgottenTopicsData: [], rackId: '' });
    c.close();
    const p = check.responses[0].partitions[0];
    if (p.errorCode !== 0 || !p.records || p.records.length < MAX_BYTES / 2) throw new Error(`fetch check: error ${p.errorCode}, ${p.records ? p.records.length : 'no'} bytes`);
    const cpu0 = cpuSeconds(broker.pid);
    const r = await drive(broker.port, { frameAt: (i) => frames[i % frames.length], seconds, inFlight: 4 });
    const cpu = cpuSeconds(broker.pid) - cpu0;
    answerBytes = Math.round(r.bytesReceived / r.requests);
    brokerR = { ...r, mbPerSec: r.bytesReceived / r.seconds / 1e6, cpuPerGb: cpu / (r.bytesReceived / 1e9), recordsPerSec: (r.bytesReceived / fill.batchBytes) * fill.recordsPerBatch / r.seconds };
  } finally {
    await broker.stop();
  }
  const floor = await startFloor('serve', answerBytes);
  let floorR;
  try {
    const r = await drive(floor.port, { frameAt: (i) => frames[i % frames.length], seconds, inFlight: 4 });
    floorR = { ...r, mbPerSec: r.bytesReceived / r.seconds / 1e6 };
  } finally {
    await floor.stop();
  }
  rows.push({ figure: `floor: Node server sending prepared ${fmt(answerBytes / 1048576, 1)} MiB buffers`, value: floorR.mbPerSec, unit: 'MB/s' });
  const ratio = brokerR.mbPerSec / floorR.mbPerSec;
  rows.push({
    figure: `fetch from offset 0, 8 MiB max_bytes, 4 in flight, 1 partition`,
    value: brokerR.mbPerSec,
    unit: 'MB/s',
    ratio,
    extra: `${fmt(brokerR.recordsPerSec, 0)} records/s, ${fmt(brokerR.cpuPerGb, 2)} broker CPU-s/GB`,
    target: '>= 1 GB/s or >= 80% of floor',
    met: brokerR.mbPerSec >= 1000 || ratio >= 0.8,
    raw: brokerR,
  });
  return rows;
}

module.exports = { fetchSection, fetchFrame, fillPartition };
