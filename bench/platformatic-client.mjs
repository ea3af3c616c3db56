// @platformatic/kafka throughput for bench/clients.js (the package is
// ESM-only). Prints {"seconds": s} as JSON.
//
//   node bench/platformatic-client.mjs BOOTSTRAP produce|consume TOPIC COUNT
//
// produce: COUNT records of 100 bytes, acks=1, sends of 1,000 records, 4 in flight.
// consume: a consumer in a fresh group from the earliest offset until COUNT arrived.
import { Consumer, Producer } from '@platformatic/kafka';

const [bootstrap, command, topic, countArg] = process.argv.slice(2);
const count = Number(countArg);
const base = { clientId: 'bench-platformatic', bootstrapBrokers: [bootstrap], timeout: 20000 };
const value = Buffer.alloc(100, 'x');

async function produce() {
  const producer = new Producer({ ...base, idempotent: false, acks: 1 });
  try {
    const t0 = performance.now();
    let sent = 0;
    const one = async () => {
      while (sent < count) {
        const n = Math.min(1000, count - sent);
        sent += n;
        await producer.send({ messages: Array.from({ length: n }, () => ({ topic, value })) });
      }
    };
    await Promise.all([one(), one(), one(), one()]);
    return (performance.now() - t0) / 1000;
  } finally {
    await producer.close();
  }
}

async function consume() {
  const consumer = new Consumer({ ...base, groupId: `bench-${process.pid}`, sessionTimeout: 10000, heartbeatInterval: 1000 });
  try {
    const t0 = performance.now();
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
    let n = 0;
    for await (const m of stream) {
      if (++n >= count) break;
    }
    const s = (performance.now() - t0) / 1000;
    await stream.close();
    return s;
  } finally {
    await consumer.close(true);
  }
}

const seconds = await { produce, consume }[command]();
console.log(JSON.stringify({ seconds }));
process.exit(0);
