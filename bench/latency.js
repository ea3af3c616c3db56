/**
 * End-to-end latency at a fixed rate: a producer on our codec sends Produce
 * v7 acks=-1 at 5,000 records/s (every 1 ms timer tick, the records due then
 * go out as one batch), each 100-byte value stamped with its send time; a
 * consumer on another connection long-polls Fetch v11 (max wait 500 ms,
 * min bytes 1) from the next offset. Latency per record is its arrival in the
 * consumer minus its stamp (one process, one clock): p50, p99, p99.9.
 */
'use strict';
const { join } = require('node:path');
const { dist, WireClient } = require('./wire');
const { startBroker } = require('./proc');
const { createTopics } = require('./produce');
const { MESSAGES } = require(join(dist, 'protocol/messages'));
const { buildRecordBatch, batchSizeAt, recordsOf } = require(join(dist, 'protocol/record-batch'));

const RATE = 5000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function latencySection({ quick }) {
  const seconds = quick ? 1 : 10;
  const broker = await startBroker();
  const producer = await WireClient.open(broker.port);
  const consumer = await WireClient.open(broker.port);
  try {
    await createTopics(broker.port, [['latency', 1]]);
    const t0 = process.hrtime.bigint();
    const total = RATE * seconds;
    const latencies = [];
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
    const deadline = Date.now() + (seconds + 10) * 1000;
    while (latencies.length < total && Date.now() < deadline && !produceError) {
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
          latencies.push(Number(now - rec.value.readBigInt64BE(0)) / 1e6);
          next = offset + 1n;
        }
        pos += size;
      }
    }
    await produced;
    if (produceError) throw produceError;
    if (latencies.length < total) throw new Error(`only ${latencies.length} of ${total} records arrived`);
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    return [
      {
        figure: `end-to-end latency, ${RATE} records/s for ${seconds} s, produce acks=-1 -> long-poll fetch: p50 / p99.9`,
        value: percentile(latencies, 50),
        unit: 'ms',
        extra: `p99.9 ${percentile(latencies, 99.9).toFixed(2)} ms, max ${latencies[latencies.length - 1].toFixed(2)} ms, ${total} records`,
      },
      { figure: 'end-to-end latency p99', value: p99, unit: 'ms', target: '< 2 ms', met: p99 < 2 },
    ];
  } finally {
    producer.close();
    consumer.close();
    await broker.stop();
  }
}

module.exports = { latencySection };
