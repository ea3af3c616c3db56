// @platformatic/kafka reading a compacted topic with its consume() stream
// (offset gaps inside and between batches, emptied batches), from the
// earliest offset, without committing. ESM-only, so the compat tests run it
// with node.
//
// Usage: node platformatic_compaction.mjs BOOTSTRAP consume '{"topic":..,"group":..,"lastOffset":N}'
// Reads until it has seen offset lastOffset; prints {"records": [{offset, key, value}]}.
import { Consumer, stringDeserializers } from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs);

async function consume() {
  const consumer = new Consumer({
    clientId: 'compat-platformatic-compaction',
    bootstrapBrokers: [bootstrap],
    groupId: args.group,
    deserializers: stringDeserializers,
    timeout: 10000,
    sessionTimeout: 10000,
    heartbeatInterval: 500,
  });
  const records = [];
  try {
    const stream = await consumer.consume({ topics: [args.topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
    const deadline = setTimeout(() => stream.close(), 20000);
    for await (const m of stream) {
      records.push({ offset: Number(m.offset), key: m.key, value: m.value === undefined ? null : m.value });
      if (Number(m.offset) >= args.lastOffset) break;
    }
    clearTimeout(deadline);
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return { records };
}

try {
  const result = await { consume }[command]();
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: err.constructor?.name, message: err.message, errors: err.errors?.map((e) => e.message) }));
  process.exit(2);
}
