/**
 * End-to-end latency at a fixed rate: a producer on our codec sends Produce
 * v7 acks=-1 at 5,000 records/s (every 1 ms timer tick, the records due then
 * go out as one batch), each 100-byte value stamped with its send time; a
 * consumer on another connection long-polls Fetch v11 (max wait 500 ms,
 * min bytes 1) from the next offset. Latency per record is its arrival in the
 * consumer minus its stamp (one process, one clock): p50, p99, p99.9.
 *
 * The traffic runs for a warm-up (3 s; --quick 0.3 s) before the measured
 * seconds, as latency benchmarks do (OpenMessaging's warm-up phase): the
 * first seconds of a fresh Node process are JIT compilation in both
 * processes, which this 2-core machine shows as multi-millisecond stalls.
 * The warm-up's own p99 is printed in the details, not hidden.
 *
 * The floor, in the same run with the same warm-up: the floor server
 * (floor-server.js, mode 'append') sent one 600-byte frame per 1 ms tick
 * (the size of one tick's batch), round trip to its ack.
 */
'use strict';
const { join } = require('node:path');
const { dist, WireClient } = require('./wire');
const { startBroker, startFloor } = require('./proc');
const { connectRetry } = require('./wire');
const { createTopics } = require('./produce');
const { MESSAGES } = require(join(dist, 'protocol/messages'));
const { buildRecordBatch, batchSizeAt, recordsOf } = require(join(dist, 'protocol/record-batch'));

const RATE = 5000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Round trips of one 600-byte frame per 1 ms tick to the floor server, after `warmup` seconds of the same. */
async function floorRoundTrips(warmup, seconds) {
  const floor = await startFloor('append');
  const socket = await connectRetry(floor.port, Date.now() + 10000);
  try {
    socket.setNoDelay(true);
    const frame = Buffer.alloc(600);
    frame.writeInt32BE(596, 0);
    const sends = [];
    const rtts = [];
    const t0 = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
    socket.on('data', (d) => {
      const now = process.hrtime.bigint();
      for (let i = 0; i + 8 <= d.length; i += 8) {
        const sent = sends.shift();
        if (sent.measured) rtts.push(Number(now - sent.at) / 1e6);
      }
    });
    await new Promise((resolve) => {
      const tick = () => {
        const t = elapsed();
        if (t >= warmup + seconds) return setTimeout(resolve, 50);
        sends.push({ at: process.hrtime.bigint(), measured: t >= warmup });
        socket.write(frame);
        setTimeout(tick, 1);
      };
      tick();
    });
    return rtts.sort((a, b) => a - b);
  } finally {
    socket.destroy();
    await floor.stop();
  }
}

async function latencySection({ quick }) {
  const seconds = quick ? 1 : 10;
  const warmup = quick ? 0.3 : 3;
  const floorRtts = await floorRoundTrips(warmup, seconds);
  const broker = await startBroker();
  const producer = await WireClient.open(broker.port);
  const consumer = await WireClient.open(broker.port);
  try {
    await createTopics(broker.port, [['latency', 1]]);
    const t0 = process.hrtime.bigint();
    const total = RATE * (warmup + seconds);
    const warmupRecords = RATE * warmup;
    const latencies = [];
    const warmupLatencies = [];
    let arrived = 0;
    let sent = 0;
    let produceError = null;
    // Producer: on each tick, the records due so far.
    const produced = new Promise((resolveProduced) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * RATE));
        if (due > sent) {
          const stamp = process.hrtime.bigint();
          const records = [];
          for (; sent < due; sent++) {
            const value = Buffer.alloc(100, 'x');
            value.writeBigInt64BE(stamp, 0);
            records.push({ value });
          }
          producer.request(0, MESSAGES[0], 7, { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'latency', partitionData: [{ index: 0, records: buildRecordBatch(records) }] }] }).then((r) => {
            const e = r.responses[0].partitionResponses[0].errorCode;
            if (e !== 0) produceError = new Error(`produce answered error ${e}`);
          });
        }
        if (sent < total) setTimeout(tick, 1);
        else resolveProduced();
      };
      tick();
    });
    // Consumer: long polls from the next offset until every record arrived.
    let next = 0n;
    const deadline = Date.now() + (warmup + seconds + 10) * 1000;
    while (arrived < total && Date.now() < deadline && !produceError) {
      const r = await consumer.request(1, MESSAGES[1], 11, { replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic: 'latency', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: next, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '' });
      const now = process.hrtime.bigint();
      const p = r.responses[0].partitions[0];
      if (p.errorCode !== 0) throw new Error(`fetch answered error ${p.errorCode}`);
      const buf = p.records;
      if (!buf) continue;
      let pos = 0;
      while (pos + 61 <= buf.length) {
        const size = batchSizeAt(buf, pos);
        if (pos + size > buf.length) break;
        const batch = buf.subarray(pos, pos + size);
        const base = batch.readBigInt64BE(0);
        for (const rec of recordsOf(batch)) {
          const offset = base + BigInt(rec.offsetDelta);
          if (offset < next) continue;
          (offset < warmupRecords ? warmupLatencies : latencies).push(Number(now - rec.value.readBigInt64BE(0)) / 1e6);
          arrived++;
          next = offset + 1n;
        }
        pos += size;
      }
    }
    await produced;
    if (produceError) throw produceError;
    if (arrived < total) throw new Error(`only ${arrived} of ${total} records arrived`);
    latencies.sort((a, b) => a - b);
    warmupLatencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const floorP99 = percentile(floorRtts, 99);
    return [
      {
        figure: `floor: Node server appending frames, one 600 B frame per 1 ms tick, round trip p99 (after ${warmup} s warm-up)`,
        value: floorP99,
        unit: 'ms',
        extra: `p50 ${percentile(floorRtts, 50).toFixed(2)} ms, p99.9 ${percentile(floorRtts, 99.9).toFixed(2)} ms, max ${floorRtts[floorRtts.length - 1].toFixed(2)} ms, ${floorRtts.length} frames`,
      },
      {
        figure: `end-to-end latency, ${RATE} records/s for ${seconds} s after ${warmup} s warm-up, produce acks=-1 -> long-poll fetch: p50`,
        value: percentile(latencies, 50),
        unit: 'ms',
        extra: `p99.9 ${percentile(latencies, 99.9).toFixed(2)} ms, max ${latencies[latencies.length - 1].toFixed(2)} ms, ${latencies.length} records; during the warm-up (${warmupLatencies.length} records): p50 ${percentile(warmupLatencies, 50).toFixed(2)} ms, p99 ${percentile(warmupLatencies, 99).toFixed(2)} ms, max ${warmupLatencies[warmupLatencies.length - 1].toFixed(2)} ms`,
      },
      { figure: 'end-to-end latency p99', value: p99, unit: 'ms', ratio: p99 / floorP99, target: '< 2 ms', met: p99 < 2 },
    ];
  } finally {
    producer.close();
    consumer.close();
    await broker.stop();
  }
}

module.exports = { latencySection };
