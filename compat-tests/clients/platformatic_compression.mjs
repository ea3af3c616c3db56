// Compressed produce and consume with @platformatic/kafka 1.x (ESM only).
//
// Usage: node platformatic_compression.mjs BOOTSTRAP COMMAND JSON-ARGS
//   produce {topic, codec, records: [{key, value, headers: [[k, v]], timestamp}]}  -> {offsets}
//   consume {topic, count}  -> {records: [{offset, key, value, headers, timestamp}]}
//   codecs {}  -> {available: {gzip, snappy, lz4, zstd}}: which codecs this client can use here
// It compresses gzip with node:zlib, snappy and lz4 with @platformatic/wasm-utils,
// and zstd only where node:zlib has it (Node 22.15+), so not on Node 20.
import { compressionsAlgorithms, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
const base = { clientId: 'compat-platformatic-compression', bootstrapBrokers: [bootstrap], retries: 0, timeout: 10000 };

const commands = {
  codecs: async () => ({
    available: Object.fromEntries(['gzip', 'snappy', 'lz4', 'zstd'].map((c) => [c, compressionsAlgorithms[c].available])),
  }),

  produce: async () => {
    const producer = new Producer({ ...base, idempotent: false, acks: -1, serializers: stringSerializers, compression: args.codec });
    try {
      const result = await producer.send({
        messages: args.records.map((m) => ({
          topic: args.topic,
          partition: 0,
          ...(m.key === null ? {} : { key: m.key }),
          value: m.value,
          headers: new Map(m.headers ?? []),
          ...(m.timestamp === undefined ? {} : { timestamp: BigInt(m.timestamp) }),
        })),
      });
      return { offsets: result.offsets ?? null };
    } finally {
      await producer.close();
    }
  },

  consume: async () => {
    const consumer = new Consumer({ ...base, groupId: 'compat-platformatic-unused', deserializers: stringDeserializers });
    try {
      const md = await consumer.metadata({ topics: [args.topic], forceUpdate: true });
      const topic = md.topics.get(args.topic);
      const records = [];
      let next = 0n;
      const deadline = Date.now() + 20000;
      while (records.length < args.count) {
        if (Date.now() > deadline) throw new Error(`only ${records.length} of ${args.count} records`);
        const res = await consumer.fetch({
          node: topic.partitions[0].leader,
          maxWaitTime: 100,
          topics: [
            {
              topicId: topic.id,
              partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }],
            },
          ],
        });
        const part = res.responses[0].partitions[0];
        if (part.errorCode !== 0) throw new Error(`fetch answered error ${part.errorCode}`);
        for (const batch of part.records ?? []) {
          for (const r of batch.records) {
            const offset = batch.firstOffset + BigInt(r.offsetDelta);
            if (offset < next) continue;
            records.push({
              offset: Number(offset),
              key: r.key === null ? null : r.key.toString('utf8'),
              value: r.value === null ? null : r.value.toString('utf8'),
              headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? null, v?.toString('utf8') ?? null]),
              timestamp: Number(batch.firstTimestamp + r.timestampDelta),
              codec: batch.attributes & 0x07,
            });
            next = offset + 1n;
          }
        }
      }
      return { records };
    } finally {
      await consumer.close(true);
    }
  },
};

const json = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : x));

try {
  console.log(json(await commands[command]()));
  process.exit(0);
} catch (e) {
  console.log(json({ error: e?.constructor?.name ?? 'Error', message: String(e?.message ?? e) }));
  process.exit(2);
}
