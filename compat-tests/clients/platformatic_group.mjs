// @platformatic/kafka consumer groups (ESM-only, so run with node by the
// compat tests). One command: consume COUNT messages of TOPIC in GROUP from
// the committed offset (earliest when none), commit each, close; prints
// {"messages": [{partition, offset, value}], "committed": {...}}.
//
// Usage: node platformatic_group.mjs BOOTSTRAP consume '{"topic":..,"group":..,"count":N}'
import { Consumer, stringDeserializers } from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs);

async function consume() {
  const consumer = new Consumer({
    clientId: 'compat-platformatic-group',
    bootstrapBrokers: [bootstrap],
    groupId: args.group,
    deserializers: stringDeserializers,
    timeout: 10000,
    sessionTimeout: 10000,
    heartbeatInterval: 500,
  });
  const messages = [];
  try {
    const stream = await consumer.consume({ topics: [args.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200 });
    for await (const m of stream) {
      messages.push({ partition: m.partition, offset: String(m.offset), value: m.value });
      await m.commit();
      if (messages.length >= args.count) break;
    }
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return { messages };
}

try {
  const result = await { consume }[command]();
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: err.constructor?.name, message: err.message, errors: err.errors?.map((e) => e.message) }));
  process.exit(2);
}
