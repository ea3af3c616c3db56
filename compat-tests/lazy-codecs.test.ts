/**
 * The broker loads a codec library only when it must look inside a batch of
 * that codec, or a topic's compression.type needs it
 * (src/protocol/compression.ts); seen from outside, in the broker process's
 * memory map (/proc/PID/maps lists every native addon it has loaded). A
 * broker that has stored and served uncompressed, gzip and snappy batches
 * has neither the snappy nor the lz4 addon; a ListOffsets by a timestamp
 * inside the snappy batch, which must read its records, brings snappy in
 * (and only snappy).
 */
import { readFileSync } from 'node:fs';
import { CompressionTypes } from 'kafkajs';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';

const broker = useBroker();
const clients = useKafkajsClients(broker, 'compat-lazy-codecs');

/** The native addons (.node files) mapped into a process. */
const addons = (pid: number) =>
  readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((l) => /\/([^/]+\.node)$/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .filter((n, i, all) => all.indexOf(n) === i);

test('only the codecs a batch needed are loaded', async () => {
  const { admin, producer } = clients;
  await admin.createTopics({ topics: [{ topic: 'lazy', numPartitions: 1 }] });
  await producer.send({ topic: 'lazy', messages: [{ value: 'plain' }] });
  await producer.send({ topic: 'lazy', compression: CompressionTypes.GZIP, messages: [{ value: 'gzipped' }] });
  const before = addons(broker.current.pid);
  expect(before.some((n) => n.startsWith('snappy'))).toBe(false);
  expect(before.some((n) => n.startsWith('lz4-napi'))).toBe(false);

  // kcat -z snappy: stored and served as it came (the broker need not look inside)
  await new Promise((r) => setTimeout(r, 20));
  const snappyFrom = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  // (compressible: librdkafka sends a batch uncompressed when compression would not make it smaller)
  const lines = Array.from({ length: 50 }, (_, i) => `snappy line ${i} `.padEnd(100, 'x'));
  const produced = await kcat(['-b', broker.current.bootstrap, '-P', '-t', 'lazy', '-z', 'snappy'], lines.join('\n') + '\n');
  expect(produced.code).toBe(0);
  const read = await kcat(['-b', broker.current.bootstrap, '-C', '-t', 'lazy', '-o', 'beginning', '-e', '-f', '%s\n']);
  expect(read.stdout.trim().split('\n')).toEqual(['plain', 'gzipped', ...lines]);
  // stored as it came: the batches after the first two are snappy (codec id 2 in the attributes; under load
  // librdkafka may send the 50 lines in more than one batch)
  const raw = readFileSync(`${broker.current.dataDir}/lazy-0/00000000000000000000.log`);
  let pos = 0;
  const codecs: number[] = [];
  while (pos + 61 <= raw.length) {
    codecs.push(raw.readInt16BE(pos + 21) & 7);
    pos += 12 + raw.readInt32BE(pos + 8);
  }
  expect(codecs.slice(0, 2)).toEqual([0, 1]);
  expect(codecs.length).toBeGreaterThan(2);
  expect(codecs.slice(2).every((c) => c === 2)).toBe(true);
  expect(addons(broker.current.pid).some((n) => n.startsWith('snappy'))).toBe(false);
  // ListOffsets by a timestamp inside the snappy batch: the broker must read its records, and loads snappy to do it
  const byTime = await admin.fetchTopicOffsetsByTimestamp('lazy', snappyFrom);
  expect(byTime[0].offset).toBe('2');
  const after = addons(broker.current.pid);
  expect(after.some((n) => n.startsWith('snappy'))).toBe(true);
  expect(after.some((n) => n.startsWith('lz4-napi'))).toBe(false);
});
