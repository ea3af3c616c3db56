// @platformatic/kafka driven from the compat tests. The package is ESM-only
// and jest here runs CommonJS (its require cannot load it, nor can a dynamic
// import() inside jest's VM), so the tests run this script with node.
//
// Usage: node platformatic_kafka_client.mjs BOOTSTRAP COMMAND [JSON-ARGS]
//
// Prints one JSON document on stdout (bigints as strings). A client error is
// printed as {"error": <class>, "code": <PLT_KFK_...>, "apiIds": [<Kafka
// error names>], "message": ...} with exit code 2.
//
// The broker has no InitProducerId and no compression codecs yet: the
// producer runs with idempotent false and no compression. The Consumer here
// (which needs a groupId in its options) never joins its group: its fetch()
// and listOffsets() ask the partition leader directly. Consuming in a group
// is in platformatic_group.mjs.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
const base = { clientId: 'compat-platformatic', bootstrapBrokers: [bootstrap], retries: 0, timeout: 10000 };

async function withAdmin(fn) {
  const admin = new Admin(base);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

async function withConsumer(fn) {
  const consumer = new Consumer({ ...base, groupId: 'compat-platformatic-unused', deserializers: stringDeserializers });
  try {
    return await fn(consumer);
  } finally {
    await consumer.close(true);
  }
}

function metadataJson(md, topics) {
  return {
    brokers: [...md.brokers.entries()].map(([id, b]) => ({ id, host: b.host, port: b.port })),
    topics: Object.fromEntries(
      topics.map((name) => {
        const t = md.topics.get(name);
        return [
          name,
          t && {
            id: t.id,
            partitionsCount: t.partitionsCount,
            partitions: t.partitions.map((p) => ({ leader: p.leader, replicas: p.replicas, isr: p.isr })),
          },
        ];
      }),
    ),
  };
}

const commands = {
  // {topics: [name], partitions}
  create_topics: () =>
    withAdmin(async (admin) => ({
      created: await admin.createTopics({ topics: args.topics, partitions: args.partitions, replicas: 1 }),
    })),

  // {topics: [name]}
  metadata: () => withAdmin(async (admin) => metadataJson(await admin.metadata({ topics: args.topics, forceUpdate: true }), args.topics)),

  list_topics: () => withAdmin(async (admin) => ({ topics: (await admin.listTopics()).sort() })),

  // {topics: [name]}
  delete_topics: () =>
    withAdmin(async (admin) => {
      await admin.deleteTopics({ topics: args.topics });
      return { deleted: args.topics };
    }),

  // {topic, acks, messages: [{key, value, headers: [[k, v]], partition, timestamp?}]}
  produce: async () => {
    const producer = new Producer({ ...base, idempotent: false, acks: args.acks, serializers: stringSerializers });
    try {
      const result = await producer.send({
        acks: args.acks,
        messages: args.messages.map((m) => ({
          topic: args.topic,
          ...(m.key === null ? {} : { key: m.key }),
          value: m.value,
          headers: new Map(m.headers ?? []),
          partition: m.partition,
          ...(m.timestamp === undefined ? {} : { timestamp: BigInt(m.timestamp) }),
        })),
      });
      return { offsets: result.offsets ?? null };
    } finally {
      await producer.close();
    }
  },

  // {topic, waitEnds?}: every partition read with Consumer.fetch() from offset 0 up to
  // its high watermark (from listOffsets), record by record.
  fetch: () =>
    withConsumer(async (consumer) => {
      const md = await consumer.metadata({ topics: [args.topic], forceUpdate: true });
      const topic = md.topics.get(args.topic);
      // waitEnds: [per partition] end offsets to wait for (records sent with acks 0).
      let ends;
      for (const until = Date.now() + 10000; ; await new Promise((r) => setTimeout(r, 100))) {
        ends = (await consumer.listOffsets({ topics: [args.topic] })).get(args.topic);
        if (!args.waitEnds || args.waitEnds.every((e, p) => ends[p] >= BigInt(e)) || Date.now() > until) break;
      }
      const records = [];
      const deadline = Date.now() + 20000;
      for (let p = 0; p < topic.partitionsCount; p++) {
        let next = 0n;
        while (next < ends[p]) {
          if (Date.now() > deadline) throw new Error(`partition ${p} stuck at ${next} of ${ends[p]}`);
          const res = await consumer.fetch({
            node: topic.partitions[p].leader,
            maxWaitTime: 100,
            topics: [
              {
                topicId: topic.id,
                partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }],
              },
            ],
          });
          const part = res.responses[0].partitions[0];
          if (part.errorCode !== 0) throw new Error(`fetch of partition ${p} answered error ${part.errorCode}`);
          for (const batch of part.records ?? []) {
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              if (offset < next) continue; // a batch may start before the offset asked for
              records.push({
                partition: p,
                offset,
                key: r.key === null ? null : r.key.toString('utf8'),
                value: r.value === null ? null : r.value.toString('utf8'),
                headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? null, v?.toString('utf8') ?? null]),
                timestamp: batch.firstTimestamp + r.timestampDelta,
                logAppendTime: (batch.attributes & 0x08) !== 0,
              });
              next = offset + 1n;
            }
          }
        }
      }
      return { ends, records };
    }),

  // {topic, timestamps: [ms]}: earliest (-2), latest (-1) and each timestamp.
  list_offsets: () =>
    withConsumer(async (consumer) => {
      const at = async (timestamp) => {
        const m = (await consumer.listOffsetsWithTimestamps({ topics: [args.topic], timestamp })).get(args.topic);
        return Object.fromEntries([...m.entries()].map(([p, v]) => [p, v]));
      };
      const out = { earliest: await at(-2n), latest: await at(-1n), forTimes: [] };
      for (const t of args.timestamps ?? []) out.forTimes.push(await at(BigInt(t)));
      return out;
    }),
};

const json = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));

function apiIds(e) {
  const ids = new Set();
  const walk = (x) => {
    if (!x || typeof x !== 'object') return;
    if (typeof x.apiId === 'string') ids.add(x.apiId);
    for (const inner of x.errors ?? []) walk(inner);
    if (x.cause) walk(x.cause);
  };
  walk(e);
  return [...ids].sort();
}

try {
  const result = await commands[command]();
  process.stdout.write(json(result) + '\n');
  process.exit(0);
} catch (e) {
  process.stdout.write(json({ error: e.constructor?.name, code: e.code ?? null, apiIds: apiIds(e), message: e.message }) + '\n');
  process.exit(2);
}
