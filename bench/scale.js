/**
 * Scale:
 * - 1,000 partitions (10 topics x 100): each Produce request carries one
 *   small batch (20 x 100 B records) for each of a topic's 100 partitions,
 *   rounds over all 10 topics, 4 in flight; then Fetch requests of 100
 *   partitions each read every partition back from offset 0. Both as
 *   partitions touched per second and MB/s; every partition's data checked.
 * - 1,000 idle connections: each opened and answered one ApiVersions, then
 *   left idle; the broker's RSS delta, and a Metadata request on the last
 *   one timed.
 */
'use strict';
const net = require('node:net');
const { join } = require('node:path');
const { dist, encodeRequest, WireClient, connectRetry } = require('./wire');
const { drive } = require('./load-generator');
const { startBroker, rssMb } = require('./proc');
const { createTopics, fmt } = require('./produce');
const { MESSAGES, produceRequest, fetchRequest, apiVersionsRequest } = require(join(dist, 'protocol/messages'));
const { buildRecordBatch } = require(join(dist, 'protocol/record-batch'));

const TOPICS = 10;
const PER_TOPIC = 100;
const RECORDS = 20;

function fetchAll(topic) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 64 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: Array.from({ length: PER_TOPIC }, (_, p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })) }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

async function partitionsFigures(port, rounds) {
  const names = Array.from({ length: TOPICS }, (_, i) => `scale-${i}`);
  await createTopics(port, names.map((n) => [n, PER_TOPIC]));
  const batch = buildRecordBatch(Array.from({ length: RECORDS }, () => ({ value: Buffer.alloc(100, 'x') })));
  const frames = names.map((name, i) =>
    encodeRequest(0, produceRequest, 7, { transactionalId: null, acks: 1, timeoutMs: 30000, topicData: [{ name, partitionData: Array.from({ length: PER_TOPIC }, (_, p) => ({ index: p, records: batch })) }] }, i + 1),
  );
  const produced = await drive(port, { frameAt: (i) => frames[i % TOPICS], requests: rounds * TOPICS, inFlight: 4 });
  // Every partition holds rounds x RECORDS records.
  const c = await WireClient.open(port);
  try {
    for (const name of names) {
      const r = await c.request(1, MESSAGES[1], 11, fetchAll(name));
      for (const p of r.responses[0].partitions) {
        if (p.errorCode !== 0 || Number(p.highWatermark) !== rounds * RECORDS) throw new Error(`${name}-${p.partitionIndex}: error ${p.errorCode}, high watermark ${p.highWatermark}`);
      }
    }
  } finally {
    c.close();
  }
  const fetchFrames = names.map((n, i) => encodeRequest(1, fetchRequest, 11, fetchAll(n), i + 1));
  const fetched = await drive(port, { frameAt: (i) => fetchFrames[i % TOPICS], requests: rounds * TOPICS, inFlight: 4 });
  return { produced, fetched };
}

async function idleConnections(port, pid, count) {
  const apiVersions = encodeRequest(18, apiVersionsRequest, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' }, 1);
  const before = rssMb(pid);
  const sockets = [];
  try {
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, async () => {
          const s = await connectRetry(port, Date.now() + 10000);
          await new Promise((resolve, reject) => {
            s.once('data', resolve);
            s.once('error', reject);
            s.write(apiVersions);
          });
          return s;
        }),
      );
      sockets.push(...batch);
    }
    await new Promise((r) => setTimeout(r, 500));
    const after = rssMb(pid);
    const last = new WireClient(sockets.pop());
    const t0 = process.hrtime.bigint();
    const md = await last.request(3, MESSAGES[3], 4, { topics: [], allowAutoTopicCreation: false });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!md.brokers || md.brokers.length !== 1) throw new Error('metadata on the last connection: no broker');
    last.close();
    return { before, after, ms, count };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

async function scaleSection({ quick }) {
  const rounds = quick ? 2 : 20;
  const connections = quick ? 100 : 1000;
  const broker = await startBroker();
  try {
    const { produced, fetched } = await partitionsFigures(broker.port, rounds);
    const touches = rounds * TOPICS * PER_TOPIC;
    const idle = await idleConnections(broker.port, broker.pid, connections);
    return [
      {
        figure: `${TOPICS * PER_TOPIC} partitions (${TOPICS} topics x ${PER_TOPIC}): produce, one ${RECORDS}-record batch per partition per request, ${rounds} rounds`,
        value: touches / produced.seconds,
        unit: 'partition-batches/s',
        extra: `${fmt(produced.bytesSent / produced.seconds / 1e6)} MB/s, ${fmt((produced.seconds * 1000) / (rounds * TOPICS))} ms per 100-partition request`,
      },
      {
        figure: `${TOPICS * PER_TOPIC} partitions: fetch all from offset 0, 100 partitions per request`,
        value: touches / fetched.seconds,
        unit: 'partition-reads/s',
        extra: `${fmt(fetched.bytesReceived / fetched.seconds / 1e6)} MB/s, ${fmt((fetched.seconds * 1000) / (rounds * TOPICS))} ms per request`,
      },
      {
        figure: `${idle.count} idle connections: broker RSS delta`,
        value: idle.after - idle.before,
        unit: 'MB',
        extra: `${fmt(idle.before)} -> ${fmt(idle.after)} MB, ${fmt(((idle.after - idle.before) * 1024) / idle.count, 1)} KB each`,
      },
      { figure: `Metadata on the last of ${idle.count} open connections`, value: idle.ms, unit: 'ms' },
    ];
  } finally {
    await broker.stop();
  }
}

module.exports = { scaleSection };
