// @platformatic/kafka's idempotent producer, driven from
// compat-tests/idempotence.test.ts (the package is ESM-only: run with node).
//
// Usage: node platformatic_idempotence.mjs BOOTSTRAP produce '{"topic", "values", "batch"}'
//
// An idempotent: true producer sends the values to partition 0, `batch` per
// send(), one send() at a time, and prints {"offsets": [...], "producerId"}
// or {"error", "message"} with exit code 2.
import { Producer, stringSerializers } from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};

async function produce() {
  const producer = new Producer({
    clientId: 'compat-platformatic-idempotence',
    bootstrapBrokers: [bootstrap],
    idempotent: true,
    retries: 10,
    retryDelay: 50,
    timeout: 10000,
    serializers: stringSerializers,
  });
  const offsets = [];
  try {
    const batch = args.batch ?? 5;
    for (let i = 0; i < args.values.length; i += batch) {
      const messages = args.values.slice(i, i + batch).map((value) => ({ topic: args.topic, partition: 0, value }));
      const r = await producer.send({ messages, acks: -1 });
      for (const o of r.offsets ?? []) offsets.push(String(o.offset));
    }
    return { offsets, producerId: producer.producerId === undefined ? null : String(producer.producerId) };
  } finally {
    await producer.close();
  }
}

if (command !== 'produce') throw new Error(`unknown command ${command}`);
produce().then(
  (out) => console.log(JSON.stringify(out)),
  (err) => {
    console.log(JSON.stringify({ error: err?.constructor?.name, message: String(err?.message), errors: (err?.errors ?? []).map((e) => String(e?.message)) }));
    process.exit(2);
  },
);
