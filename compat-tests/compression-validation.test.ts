/**
 * What the broker checks inside compressed batches, against a broker started
 * with --validate-records (Kafka's LogValidator behaviour) and one without
 * (the default: stored as they came after the CRC check). Every refused
 * batch gets Kafka's error code, the broker keeps serving, nothing refused
 * is stored.
 */
import { Kafka, logLevel } from 'kafkajs';
import { Compression, compress, loadCodecs } from '../src/protocol/compression';
import { ErrorCode } from '../src/protocol/error-codes';
import { fetchRequest, fetchResponse, produceRequest, produceResponse } from '../src/protocol/messages';
import { BATCH_HEADER_SIZE, buildRecordBatch, computeBatchCrc, encodeBatch, Off, readBatchHeader, recordsOf } from '../src/protocol/record-batch';
import { PYTHON, runOk } from './clients/run';
import { BrokerProcess, useBroker } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';
import { fetchBody, produceBody } from './helpers/requests';

const TEST_TIMEOUT = 40000;
const validating = useBroker({ args: ['--validate-records'] }, TEST_TIMEOUT);
const plain = useBroker({}, TEST_TIMEOUT);
const recompressing = useBroker({ args: ['--compression-type', 'zstd'] }, TEST_TIMEOUT);

beforeAll(() => loadCodecs());

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(20) }));

/** Replaces a batch's records section with `section` (codec bits of `codec`), fixing length and CRC: only what is inside is wrong. */
function withSection(batch: Buffer, section: Buffer, codec: Compression): Buffer {
  const out = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), section]);
  out.writeInt32BE(out.length - 12, Off.batchLength);
  out.writeInt16BE((out.readInt16BE(Off.attributes) & ~7) | codec, Off.attributes);
  out.writeUInt32BE(computeBatchCrc(out), Off.crc);
  return out;
}

const created = new Set<string>();
async function ensureTopic(broker: BrokerProcess, topic: string): Promise<void> {
  if (created.has(`${broker.port}/${topic}`)) return;
  const admin = new Kafka({ clientId: 'compat-validation', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  } finally {
    await admin.disconnect();
  }
  created.add(`${broker.port}/${topic}`);
}

async function produce(broker: BrokerProcess, topic: string, batch: Buffer, version = 8): Promise<{ errorCode: number; errorMessage: string | null }> {
  await ensureTopic(broker, topic);
  const c = await RawClient.open(broker.port);
  try {
    const res = await c.request(0, produceRequest, produceResponse, version, produceBody(topic, batch));
    const p = res.responses[0].partitionResponses[0] as { errorCode: number; errorMessage?: string | null };
    return { errorCode: p.errorCode, errorMessage: p.errorMessage ?? null };
  } finally {
    c.close();
  }
}

async function storedCount(broker: BrokerProcess, topic: string): Promise<number> {
  const c = await RawClient.open(broker.port);
  try {
    const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody(topic, 0n, 0));
    const bytes = res.responses[0].partitions[0].records as Buffer | null;
    let n = 0;
    for (let pos = 0; bytes && pos + 61 <= bytes.length; pos += 12 + bytes.readInt32BE(pos + 8)) {
      n += recordsOf(bytes.subarray(pos)).length;
    }
    return n;
  } finally {
    c.close();
  }
}

const CODECS = [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];

test.each(CODECS.map((c) => [Compression[c], c]))('a valid %s batch is accepted and stored with validation on', async (_name, codec) => {
  const topic = `v-ok-${codec}`;
  expect(await produce(validating.current, topic, buildRecordBatch(records(10), { compression: codec as Compression }))).toEqual({ errorCode: 0, errorMessage: null });
  expect(await storedCount(validating.current, topic)).toBe(10);
});

test('real clients\' compressed batches pass validation: kcat (librdkafka) and kafka-python, every codec', async () => {
  const b = validating.current;
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    const topic = `v-clients-${codec}`;
    await ensureTopic(b, topic);
    const res = await kcat(['-P', '-b', b.bootstrap, '-t', topic, '-p', '0', '-z', codec, '-X', 'linger.ms=50'], 'one\ntwo\nthree\n');
    expect(res.code).toBe(0);
    const recs = [1, 2, 3].map((i) => ({ key: `k${i}`, value: `kafka-python ${i} `.repeat(10), headers: [] }));
    await runOk(PYTHON, 'python_compression.py', b.bootstrap, 'produce', { lib: 'kafka-python', topic, codec, records: recs }, 30000);
    expect(await storedCount(b, topic)).toBe(6);
  }
}, TEST_TIMEOUT);

test('compressed bytes the codec cannot decode: UNKNOWN_SERVER_ERROR, as Kafka\'s "Failed to decompress record stream"', async () => {
  const good = buildRecordBatch(records(3));
  for (const codec of CODECS) {
    const topic = `v-garbage-${codec}`;
    const bad = withSection(good, Buffer.from('definitely not compressed data, just text'), codec);
    const res = await produce(validating.current, topic, bad);
    expect(res.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(res.errorMessage).toMatch(/Failed to decompress record stream/);
    expect(await storedCount(validating.current, topic)).toBe(0);
  }
});

test('a truncated compressed section is refused for every codec', async () => {
  const good = buildRecordBatch(records(3));
  for (const codec of CODECS) {
    const section = compress(codec, good.subarray(BATCH_HEADER_SIZE));
    const res = await produce(validating.current, `v-trunc-${codec}`, withSection(good, section.subarray(0, section.length - 5), codec));
    expect([ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.INVALID_RECORD]).toContain(res.errorCode);
  }
});

test('recordCount not matching the compressed records: INVALID_RECORD (Kafka\'s "Incorrect declared batch size")', async () => {
  for (const codec of CODECS) {
    const batch = buildRecordBatch(records(5), { compression: codec });
    // Claims 4 records (lastOffsetDelta kept consistent) but holds 5: records still remaining.
    const fewer = encodeBatch({ ...readBatchHeader(batch), lastOffsetDelta: 3 }, recordsOf(batch).slice(0, 5), codec);
    fewer.writeInt32BE(4, Off.recordCount);
    fewer.writeUInt32BE(computeBatchCrc(fewer), Off.crc);
    const res = await produce(validating.current, `v-count-${codec}`, fewer);
    expect(res.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(res.errorMessage).toMatch(/Incorrect declared batch size/);
    // Claims 6 but holds 5: premature end.
    const more = Buffer.from(batch);
    more.writeInt32BE(6, Off.recordCount);
    more.writeInt32BE(5, Off.lastOffsetDelta);
    more.writeUInt32BE(computeBatchCrc(more), Off.crc);
    expect((await produce(validating.current, `v-count-${codec}`, more)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(await storedCount(validating.current, `v-count-${codec}`)).toBe(0);
  }
});

test('the same mismatched batches are stored as they came without --validate-records (the default)', async () => {
  const batch = buildRecordBatch(records(5), { compression: Compression.lz4 });
  const more = Buffer.from(batch);
  more.writeInt32BE(6, Off.recordCount);
  more.writeInt32BE(5, Off.lastOffsetDelta);
  more.writeUInt32BE(computeBatchCrc(more), Off.crc);
  expect((await produce(plain.current, 'p-count', more)).errorCode).toBe(ErrorCode.NONE);
  const garbage = withSection(buildRecordBatch(records(1)), Buffer.from('not zstd at all'), Compression.zstd);
  expect((await produce(plain.current, 'p-garbage', garbage)).errorCode).toBe(ErrorCode.NONE);
});

test('a batch inflating past the decompression limit gets MESSAGE_TOO_LARGE, and the broker carries on', async () => {
  // 100 MB of zeros in one record value, compressed to a few hundred KB: well under max.message.bytes, far over 64 MiB inflated.
  for (const codec of [Compression.gzip, Compression.zstd, Compression.lz4]) {
    const zeros = Buffer.alloc(100 * 1024 * 1024);
    const batch = buildRecordBatch([{ key: 'bomb', value: zeros }], { compression: codec });
    expect(batch.length).toBeLessThan(1_000_000);
    const res = await produce(validating.current, `v-bomb-${codec}`, batch);
    expect(res.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  }
  expect(await produce(validating.current, 'v-after-bomb', buildRecordBatch(records(2), { compression: Compression.gzip }))).toEqual({ errorCode: 0, errorMessage: null });
}, TEST_TIMEOUT);

test('codec ids 5-7 get UNKNOWN_SERVER_ERROR (Kafka: "Unknown compression type id"), validation on or off', async () => {
  for (const broker of [validating.current, plain.current]) {
    for (const id of [5, 6, 7]) {
      const bad = withSection(buildRecordBatch(records(2)), buildRecordBatch(records(2)).subarray(BATCH_HEADER_SIZE), id as Compression);
      const res = await produce(broker, `unknown-codec-${id}`, bad);
      expect(res).toEqual({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `Unknown compression type id: ${id}` });
    }
  }
});

test('zstd in Produce v3-6 gets UNSUPPORTED_COMPRESSION_TYPE (KIP-110); v7 takes it', async () => {
  const batch = buildRecordBatch(records(2), { compression: Compression.zstd });
  for (const v of [3, 6]) expect((await produce(plain.current, 'zstd-old', batch, v)).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  expect((await produce(plain.current, 'zstd-old', batch, 7)).errorCode).toBe(ErrorCode.NONE);
  expect((await produce(plain.current, 'zstd-old', buildRecordBatch(records(2), { compression: Compression.lz4 }), 3)).errorCode).toBe(ErrorCode.NONE);
});

test('--compression-type zstd (the broker default of compression.type): kcat\'s uncompressed and gzip batches are stored as zstd and read back by kcat', async () => {
  const b = recompressing.current;
  const topic = 'broker-default-zstd';
  await ensureTopic(b, topic);
  for (const codec of ['none', 'gzip']) {
    const res = await kcat(['-P', '-b', b.bootstrap, '-t', topic, '-p', '0', '-z', codec, '-X', 'linger.ms=50'], `${codec} one\n${codec} two\n`);
    expect(res.code).toBe(0);
  }
  const c = await RawClient.open(b.port);
  const codecs: number[] = [];
  try {
    const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody(topic, 0n, 0));
    const bytes = res.responses[0].partitions[0].records as Buffer;
    for (let pos = 0; pos + 61 <= bytes.length; pos += 12 + bytes.readInt32BE(pos + 8)) codecs.push(bytes.readInt16BE(pos + Off.attributes) & 7);
  } finally {
    c.close();
  }
  expect(codecs).toEqual([Compression.zstd, Compression.zstd]);
  // Read with kcat (Fetch v11): kafka-python 2.0.2 fetches with v4, which Kafka refuses on a zstd topic (next test).
  const read = await kcat(['-C', '-b', b.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-c', '4', '-e', '-q', '-f', '%s\n']);
  expect(read.code).toBe(0);
  expect(read.stdout.trim().split('\n')).toEqual(['none one', 'none two', 'gzip one', 'gzip two']);
}, TEST_TIMEOUT);

test('Fetch v4-9 of a topic whose compression.type is zstd gets UNSUPPORTED_COMPRESSION_TYPE, v10+ reads it (Kafka, KIP-110)', async () => {
  const b = recompressing.current; // compression.type defaults to zstd there
  const topic = 'broker-default-zstd-fetch';
  expect((await produce(b, topic, buildRecordBatch(records(2)))).errorCode).toBe(ErrorCode.NONE);
  const c = await RawClient.open(b.port);
  try {
    for (const v of [4, 9, 10, 11]) {
      const res = await c.request(1, fetchRequest, fetchResponse, v, fetchBody(topic, 0n, 0));
      const p = res.responses[0].partitions[0];
      expect({ v, code: p.errorCode }).toEqual({ v, code: v < 10 ? ErrorCode.UNSUPPORTED_COMPRESSION_TYPE : ErrorCode.NONE });
    }
  } finally {
    c.close();
  }
  // A topic of the plain broker holding a zstd batch (compression.type producer) is served to v4 as it is.
  expect((await produce(plain.current, 'zstd-v4', buildRecordBatch(records(2), { compression: Compression.zstd }))).errorCode).toBe(ErrorCode.NONE);
  const p = await RawClient.open(plain.current.port);
  try {
    const res = await p.request(1, fetchRequest, fetchResponse, 4, fetchBody('zstd-v4', 0n, 0));
    expect(res.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
  } finally {
    p.close();
  }
});
