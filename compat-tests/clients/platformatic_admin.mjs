// @platformatic/kafka's admin for partitions and records, driven from the
// compat tests (ESM-only, so run with node like platformatic_kafka_client.mjs).
//
// Usage: node platformatic_admin.mjs BOOTSTRAP COMMAND [JSON-ARGS]
//
// Prints one JSON document on stdout (bigints as strings). A client error is
// printed as {"error": <class>, "apiIds": [<Kafka error names>], "message"}
// with exit code 2.
import {
  Admin,
  Connection,
  Producer,
  compatibilityPartitioner,
  describeClusterV1,
  offsetForLeaderEpochV4,
  stringSerializers,
} from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
const base = { clientId: 'compat-platformatic-admin', bootstrapBrokers: [bootstrap], retries: 0, timeout: 10000 };

async function withAdmin(fn) {
  const admin = new Admin(base);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Calls one of the package's API functions (its own request encoder and response parser) on a bare connection. */
async function withConnection(fn) {
  const conn = new Connection('compat-platformatic-api');
  const [host, port] = bootstrap.split(':');
  await conn.connect(host, Number(port));
  try {
    return await fn(conn);
  } catch (e) {
    // a parser that meets an error code throws, with the parsed response attached
    if (e.response) return { thrown: e.constructor?.name, response: e.response };
    throw e;
  } finally {
    await conn.close();
  }
}

const commands = {
  // {topics: [{name, partitions: [{partitionIndex, currentLeaderEpoch, leaderEpoch}]}]}: OffsetForLeaderEpoch v4 as a consumer (-1)
  offset_for_leader_epoch: () => withConnection((conn) => offsetForLeaderEpochV4.api.async(conn, -1, args.topics)),

  // {includeClusterAuthorizedOperations, endpointType}: DescribeCluster v1
  describe_cluster: () =>
    withConnection((conn) => describeClusterV1.api.async(conn, args.includeClusterAuthorizedOperations ?? false, args.endpointType ?? 1)),

  // {topic, count, validateOnly?}
  create_partitions: () =>
    withAdmin(async (admin) => {
      await admin.createPartitions({ topics: [{ name: args.topic, count: args.count }], validateOnly: args.validateOnly ?? false });
      return { ok: true };
    }),

  // {topic}
  partitions: () =>
    withAdmin(async (admin) => {
      const md = await admin.metadata({ topics: [args.topic], forceUpdate: true });
      return { partitionsCount: md.topics.get(args.topic).partitionsCount };
    }),

  // {topic, partitions: [{partition, offset}]}
  delete_records: () =>
    withAdmin(async (admin) => ({
      topics: await admin.deleteRecords({
        topics: [{ name: args.topic, partitions: args.partitions.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })) }],
      }),
    })),

  // {topics: [{name, partitions}]}
  describe_log_dirs: () => withAdmin(async (admin) => ({ brokers: await admin.describeLogDirs({ topics: args.topics }) })),

  // {topic, keys, value, partitioner: 'default' | 'compatibility'}: where each key went, as the produce answers say
  produce_keys: async () => {
    const producer = new Producer({
      ...base,
      idempotent: false,
      serializers: stringSerializers,
      ...(args.partitioner === 'compatibility' ? { partitioner: compatibilityPartitioner } : {}),
    });
    try {
      const placed = {};
      for (const key of args.keys) {
        const res = await producer.send({ messages: [{ topic: args.topic, key, value: args.value }] });
        placed[key] = res.offsets[0].partition;
      }
      return { placed };
    } finally {
      await producer.close();
    }
  },
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
  process.stdout.write(json({ error: e.constructor?.name, apiIds: apiIds(e), message: e.message }) + '\n');
  process.exit(2);
}
