/**
 * Client-bound throughput: what kafkajs and @platformatic/kafka get through
 * this broker producing and consuming N records of 100 bytes (200,000; 5,000
 * with --quick). The clients, not the broker, set these figures (the broker
 * idles most of the time): reported as client-bound, no target.
 * kafkajs runs in this process: sends of 1,000 records, acks=1, 4 in flight;
 * its consumer joins a fresh group and reads from the beginning (time
 * includes the group join). @platformatic/kafka runs in a child process
 * (platformatic-client.mjs, ESM) the same way.
 */
'use strict';
const { execFile } = require('node:child_process');
const { join } = require('node:path');
const { startBroker } = require('./proc');
const { createTopics } = require('./produce');

function runMjs(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(__dirname, 'platformatic-client.mjs'), ...args], { timeout: 120000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`platformatic-client ${args[1]}: ${err.message} ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

async function kafkajsFigures(port, topic, count) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(100, 'x');
  let sent = 0;
  const t0 = performance.now();
  const one = async () => {
    while (sent < count) {
      const n = Math.min(1000, count - sent);
      sent += n;
      await producer.send({ topic, acks: 1, messages: Array.from({ length: n }, () => ({ value })) });
    }
  };
  await Promise.all([one(), one(), one(), one()]);
  const produceS = (performance.now() - t0) / 1000;
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-kafkajs-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const t1 = performance.now();
  let got = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kafkajs consumer: ${got} of ${count} in 120 s`)), 120000);
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          got += batch.messages.length;
          if (got >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  const consumeS = (performance.now() - t1) / 1000;
  await consumer.disconnect();
  return { produceS, consumeS };
}

async function clientsSection({ quick }) {
  const count = quick ? 5000 : 200000;
  const broker = await startBroker();
  try {
    await createTopics(broker.port, [
      ['kafkajs', 1],
      ['platformatic', 1],
    ]);
    const k = await kafkajsFigures(broker.port, 'kafkajs', count);
    const bootstrap = `127.0.0.1:${broker.port}`;
    const pp = await runMjs([bootstrap, 'produce', 'platformatic', String(count)]);
    const pc = await runMjs([bootstrap, 'consume', 'platformatic', String(count)]);
    const row = (who, what, s) => ({ figure: `client-bound: ${who} ${what} ${count} x 100 B records`, value: count / s, unit: 'records/s', extra: `${(s * 1000).toFixed(0)} ms` });
    return [row('kafkajs', 'producing', k.produceS), row('kafkajs', 'consuming (incl. group join)', k.consumeS), row('@platformatic/kafka', 'producing', pp.seconds), row('@platformatic/kafka', 'consuming (incl. group join)', pc.seconds)];
  } finally {
    await broker.stop();
  }
}

module.exports = { clientsSection };
