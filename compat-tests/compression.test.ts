/**
 * Compression end to end: every codec each client has, produced by one
 * client and read back by a client of another library (keys, values,
 * headers and timestamps identical), with the batch stored in the codec the
 * writer chose and decoded by our own recordsOf() too. Batches compressed by
 * our compression module (buildRecordBatch({ compression })) are read by every
 * client that has the codec, and a compressed batch is served back byte for
 * byte.
 *
 * Clients: kcat and confluent-kafka (librdkafka 2.0.2: gzip, snappy, lz4,
 * zstd), kafka-python 2.0.2 (gzip, snappy in xerial framing, lz4, zstd, with
 * Debian's python3-snappy, python3-lz4, python3-zstandard), kafkajs 2.2.4
 * (gzip built in; snappy, lz4 and zstd registered in CompressionCodecs from
 * our compression module), @platformatic/kafka 1.x (gzip, snappy, lz4; no
 * zstd on Node 20, checked below).
 */
import zlib from 'node:zlib';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { Compression, compress, decompress, isXerial, loadCodecs } from '../src/protocol/compression';
import { fetchRequest, fetchResponse, produceRequest, produceResponse } from '../src/protocol/messages';
import { buildRecordBatch, recordsOf, readBatchHeader } from '../src/protocol/record-batch';
import { PYTHON, runOk, runScript } from './clients/run';
import { useBroker, useKafkajsClients } from './helpers/broker-process';
import { kcat } from './helpers/kcat';
import { RawClient } from './helpers/raw-client';
import { fetchBody, produceBody } from './helpers/requests';

const TEST_TIMEOUT = 50000;
const broker = useBroker({}, TEST_TIMEOUT);
const clients = useKafkajsClients(broker, 'compat-compression', TEST_TIMEOUT);

type Codec = 'gzip' | 'snappy' | 'lz4' | 'zstd';
const CODEC_ID: Record<Codec, Compression> = { gzip: Compression.gzip, snappy: Compression.snappy, lz4: Compression.lz4, zstd: Compression.zstd };

interface Rec {
  key: string | null;
  value: string | null;
  headers: [string, string][];
  timestamp: number;
}

// kafkajs has gzip only; the other codecs are registered from our module, as an application registers kafkajs-snappy & co.
const KAFKAJS_TYPES: Record<Codec, number> = { gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };
beforeAll(async () => {
  await loadCodecs();
  for (const codec of ['snappy', 'lz4', 'zstd'] as Codec[]) {
    (CompressionCodecs as Record<number, unknown>)[KAFKAJS_TYPES[codec]] = () => ({
      compress: async (encoder: { buffer: Buffer }) => compress(CODEC_ID[codec], encoder.buffer),
      decompress: async (buffer: Buffer) => decompress(CODEC_ID[codec], buffer),
    });
  }
});

let topicSeq = 0;
async function freshTopic(prefix: string): Promise<string> {
  const topic = `${prefix}-${++topicSeq}`;
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  return topic;
}

/** Our builder's input for the same records. */
function asInput(recs: Rec[]) {
  return recs.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers.map(([key, value]) => ({ key, value })) }));
}

function sampleRecords(writer: string, n = 5): Rec[] {
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  return Array.from({ length: n }, (_, i) => ({
    key: `key-${i}`,
    value: `value ${i} from ${writer}: ` + 'compressible text '.repeat(30),
    headers: [['origin', writer], ['index', String(i)]],
    timestamp: t0 + i * 1000,
  }));
}

// ------------------------------------------------------------------ writers

interface Writer {
  codecs: Codec[];
  /** Produces `recs` to partition 0 and returns the records as the writer sent them. */
  write(topic: string, codec: Codec, recs: Rec[]): Promise<Rec[]>;
}

const pythonWrite = (lib: string) => async (topic: string, codec: Codec, recs: Rec[]) => {
  const res = await runOk(PYTHON, 'python_compression.py', broker.current.bootstrap, 'produce', { lib, topic, codec, records: recs }, 30000);
  expect(res.offsets).toEqual(recs.map((_, i) => i));
  return recs;
};

const WRITERS: Record<string, Writer> = {
  kcat: {
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    // kcat sets the same headers on every message and no timestamps: the expected records say so.
    async write(topic, codec, recs) {
      const sent = recs.map((r) => ({ ...r, headers: [['origin', 'kcat']] as [string, string][] }));
      const res = await kcat(
        ['-P', '-b', broker.current.bootstrap, '-t', topic, '-p', '0', '-z', codec, '-K', '\t', '-H', 'origin=kcat', '-X', 'linger.ms=50'],
        recs.map((r) => `${r.key}\t${r.value}`).join('\n') + '\n',
      );
      expect(res.code).toBe(0);
      return sent;
    },
  },
  'confluent-kafka': { codecs: ['gzip', 'snappy', 'lz4', 'zstd'], write: pythonWrite('confluent') },
  'kafka-python': { codecs: ['gzip', 'snappy', 'lz4', 'zstd'], write: pythonWrite('kafka-python') },
  kafkajs: {
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    async write(topic, codec, recs) {
      await clients.producer.send({
        topic,
        compression: KAFKAJS_TYPES[codec],
        messages: recs.map((r) => ({ partition: 0, key: r.key, value: r.value, headers: Object.fromEntries(r.headers), timestamp: String(r.timestamp) })),
      });
      return recs;
    },
  },
  platformatic: {
    codecs: ['gzip', 'snappy', 'lz4'],
    async write(topic, codec, recs) {
      const res = await runOk('node', 'platformatic_compression.mjs', broker.current.bootstrap, 'produce', { topic, codec, records: recs }, 30000);
      expect(res.offsets).toBeTruthy();
      return recs;
    },
  },
};

// ------------------------------------------------------------------ readers

interface Reader {
  codecs: Codec[];
  read(topic: string, count: number): Promise<Rec[]>;
}

const pythonRead = (lib: string) => async (topic: string, count: number) => {
  const res = await runOk(PYTHON, 'python_compression.py', broker.current.bootstrap, 'consume', { lib, topic, count }, 30000);
  return (res.records as (Rec & { offset: number })[]).map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }));
};

const READERS: Record<string, Reader> = {
  kcat: {
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    async read(topic, count) {
      const res = await kcat(['-C', '-b', broker.current.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-c', String(count), '-e', '-J', '-q']);
      expect(res.code).toBe(0);
      return res.stdout
        .trim()
        .split('\n')
        .filter((l) => l)
        .map((l) => {
          const m = JSON.parse(l) as { key: string | null; payload: string | null; ts: number; headers?: string[] };
          const headers: [string, string][] = [];
          for (let i = 0; m.headers && i < m.headers.length; i += 2) headers.push([m.headers[i], m.headers[i + 1]]);
          return { key: m.key, value: m.payload, headers, timestamp: m.ts };
        });
    },
  },
  'confluent-kafka': { codecs: ['gzip', 'snappy', 'lz4', 'zstd'], read: pythonRead('confluent') },
  'kafka-python': { codecs: ['gzip', 'snappy', 'lz4', 'zstd'], read: pythonRead('kafka-python') },
  kafkajs: {
    codecs: ['gzip', 'snappy', 'lz4', 'zstd'],
    async read(topic, count) {
      const kafka = new Kafka({ clientId: 'compat-compression-reader', brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: `compression-reader-${topic}`, maxWaitTimeInMs: 100 });
      const out: Rec[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`kafkajs read ${out.length} of ${count}`)), 25000);
          consumer
            .run({
              eachMessage: async ({ message }) => {
                out.push({
                  key: message.key?.toString() ?? null,
                  value: message.value?.toString() ?? null,
                  headers: Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)] as [string, string]),
                  timestamp: Number(message.timestamp),
                });
                if (out.length >= count) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      return out;
    },
  },
  platformatic: {
    codecs: ['gzip', 'snappy', 'lz4'],
    async read(topic, count) {
      const res = await runOk('node', 'platformatic_compression.mjs', broker.current.bootstrap, 'consume', { topic, count }, 30000);
      return (res.records as (Rec & { offset: number })[]).map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }));
    },
  },
};

/** Which library reads what another wrote: never the same library (kcat and confluent-kafka are both librdkafka). */
const READER_OF: Record<string, string[]> = {
  kcat: ['kafka-python'],
  'confluent-kafka': ['kafkajs'],
  'kafka-python': ['kcat'],
  kafkajs: ['platformatic', 'confluent-kafka'],
  platformatic: ['confluent-kafka'],
};

/** The stored batches of partition 0, fetched raw (Fetch v11), with our own decoding of their records. */
async function storedBatches(topic: string): Promise<{ bytes: Buffer; codec: number; records: Rec[] }[]> {
  const c = await RawClient.open(broker.current.port);
  try {
    const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody(topic, 0n, 0));
    const records = res.responses[0].partitions[0].records as Buffer;
    const out: { bytes: Buffer; codec: number; records: Rec[] }[] = [];
    for (let pos = 0; pos + 61 <= records.length; ) {
      const size = 12 + records.readInt32BE(pos + 8);
      const bytes = records.subarray(pos, pos + size);
      const h = readBatchHeader(bytes);
      out.push({
        bytes,
        codec: h.attributes & 0x07,
        records: recordsOf(bytes).map((r) => ({
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          headers: r.headers.map((hd) => [hd.key, hd.value?.toString() ?? ''] as [string, string]),
          timestamp: Number(h.baseTimestamp + r.timestampDelta),
        })),
      });
      pos += size;
    }
    return out;
  } finally {
    c.close();
  }
}

const cases: [string, Codec, string][] = [];
for (const [writer, w] of Object.entries(WRITERS)) {
  for (const codec of w.codecs) {
    const reader = READER_OF[writer].find((r) => READERS[r].codecs.includes(codec))!;
    cases.push([writer, codec, reader]);
  }
}

test.each(cases)(
  '%s writes %s, the broker stores it in that codec, %s reads identical records',
  async (writer, codec, reader) => {
    const topic = await freshTopic(`z-${writer}-${codec}`);
    const sent = await WRITERS[writer].write(topic, codec, sampleRecords(writer));
    const stored = await storedBatches(topic);
    expect(stored.length).toBeGreaterThan(0);
    for (const b of stored) expect(b.codec).toBe(CODEC_ID[codec]);
    if (codec === 'snappy') {
      // kafka-python frames snappy as xerial (like the Java client); librdkafka, kafkajs (our codec) and platformatic write raw blocks.
      for (const b of stored) expect(isXerial(b.bytes.subarray(61))).toBe(writer === 'kafka-python');
    }
    const ours = stored.flatMap((b) => b.records);
    // The writer's records as our decoder sees them (timestamps are the broker's record of kcat's send time).
    const expected = writer === 'kcat' ? sent.map((r, i) => ({ ...r, timestamp: ours[i]?.timestamp })) : sent;
    expect(ours).toEqual(expected);
    const got = await READERS[reader].read(topic, sent.length);
    expect(got).toEqual(expected);
  },
  TEST_TIMEOUT,
);

// ------------------------------------------------- batches we compress, read by every client

const OURS: [string, Codec, { snappyFraming?: 'raw' | 'xerial' }][] = [
  ['gzip', 'gzip', {}],
  ['snappy (xerial)', 'snappy', { snappyFraming: 'xerial' }],
  ['snappy (raw)', 'snappy', { snappyFraming: 'raw' }],
  ['lz4', 'lz4', {}],
  ['zstd', 'zstd', {}],
];

async function rawProduce(topic: string, batch: Buffer): Promise<void> {
  const c = await RawClient.open(broker.current.port);
  try {
    const res = await c.request(0, produceRequest, produceResponse, 7, produceBody(topic, batch));
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
  } finally {
    c.close();
  }
}

test.each(OURS)(
  'a %s batch built by our compression module is read by every client that has the codec',
  async (_name, codec, opts) => {
    const topic = await freshTopic(`z-ours-${codec}`);
    const recs = sampleRecords('kafkats');
    const batch = buildRecordBatch(asInput(recs), { compression: CODEC_ID[codec], compressOptions: opts, baseTimestamp: recs[0].timestamp });
    await rawProduce(topic, batch);
    // @platformatic/kafka 1.x cannot read xerial-framed snappy (next test), so it reads raw snappy only.
    const readers = Object.entries(READERS).filter(([name, r]) => r.codecs.includes(codec) && !(name === 'platformatic' && opts.snappyFraming === 'xerial'));
    for (const [name, reader] of readers) {
      const got = await reader.read(topic, recs.length);
      expect({ reader: name, got }).toEqual({ reader: name, got: recs });
    }
  },
  TEST_TIMEOUT,
);

test('@platformatic/kafka 1.x cannot read xerial-framed snappy (what kafka-python and the Java client write): a client limitation', async () => {
  const topic = await freshTopic('z-xerial-platformatic');
  await WRITERS['kafka-python'].write(topic, 'snappy', sampleRecords('kafka-python', 2));
  const res = await runScript('node', 'platformatic_compression.mjs', broker.current.bootstrap, 'consume', { topic, count: 2 }, 30000);
  expect(res.code).toBe(2);
  expect(res.json.error).toBe('RuntimeError'); // its WASM snappy decoder traps on the xerial header
});

test('a compressed batch is served back byte for byte (only baseOffset and partitionLeaderEpoch are the broker\'s)', async () => {
  const topic = await freshTopic('z-bytes');
  const first = buildRecordBatch(asInput(sampleRecords('first', 2)), { compression: Compression.lz4 });
  const batch = buildRecordBatch(asInput(sampleRecords('bytes', 7)), { compression: Compression.zstd, producerId: 42n, producerEpoch: 3, baseSequence: 0 });
  await rawProduce(topic, first);
  await rawProduce(topic, batch);
  const stored = await storedBatches(topic);
  expect(stored).toHaveLength(2);
  const served = stored[1].bytes;
  expect(served.length).toBe(batch.length);
  expect(served.readBigInt64BE(0)).toBe(2n); // offsets 0-1 went to the first batch
  expect(served.subarray(8, 12).equals(batch.subarray(8, 12))).toBe(true);
  expect(served.subarray(16).equals(batch.subarray(16))).toBe(true); // magic, CRC, header and the zstd bytes
});

test('@platformatic/kafka 1.x has no zstd on Node 20 (node:zlib has no zstd there), so it is left out of its rows', async () => {
  const res = await runOk('node', 'platformatic_compression.mjs', broker.current.bootstrap, 'codecs', {}, 15000);
  const zlibHasZstd = typeof (zlib as unknown as Record<string, unknown>).zstdCompressSync === 'function';
  expect(res.available).toEqual({ gzip: true, snappy: true, lz4: true, zstd: zlibHasZstd });
  if (process.versions.node.startsWith('20.')) expect(res.available.zstd).toBe(false);
});

// ------------------------------------------------------------ compression.type

async function topicWithCompressionType(name: string, compressionType: string, extra: { name: string; value: string }[] = []): Promise<string> {
  const topic = `${name}-${++topicSeq}`;
  await clients.admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: compressionType }, ...extra] }] });
  return topic;
}

test.each([
  ['gzip', 'kcat', 'none', 'kafka-python', Compression.gzip],
  ['zstd', 'kcat', 'lz4', 'confluent-kafka', Compression.zstd],
  ['snappy', 'kafka-python', 'gzip', 'kcat', Compression.snappy],
  ['lz4', 'kafkajs', 'zstd', 'platformatic', Compression.lz4],
  ['uncompressed', 'platformatic', 'snappy', 'kafkajs', Compression.none],
] as [string, string, string, string, Compression][])(
  'compression.type=%s: a batch from %s in %s is stored re-encoded in the topic\'s codec, %s reads it unchanged',
  async (compressionType, writer, producerCodec, reader, storedCodec) => {
    const topic = await topicWithCompressionType(`ct-${compressionType}`, compressionType);
    const recs = sampleRecords(writer);
    const sent =
      producerCodec === 'none'
        ? await (async () => {
            const res = await kcat(['-P', '-b', broker.current.bootstrap, '-t', topic, '-p', '0', '-K', '\t', '-H', 'origin=kcat', '-X', 'linger.ms=50'], recs.map((r) => `${r.key}\t${r.value}`).join('\n') + '\n');
            expect(res.code).toBe(0);
            return recs.map((r) => ({ ...r, headers: [['origin', 'kcat']] as [string, string][] }));
          })()
        : await WRITERS[writer].write(topic, producerCodec as Codec, recs);
    const stored = await storedBatches(topic);
    expect(stored.length).toBeGreaterThan(0);
    for (const b of stored) expect(b.codec).toBe(storedCodec);
    const ours = stored.flatMap((b) => b.records);
    const expected = writer === 'kcat' ? sent.map((r, i) => ({ ...r, timestamp: ours[i]?.timestamp })) : sent;
    expect(ours).toEqual(expected);
    expect(await READERS[reader].read(topic, sent.length)).toEqual(expected);
  },
  TEST_TIMEOUT,
);

test('compression.type=uncompressed: a batch that only fits compressed gets MESSAGE_TOO_LARGE, and nothing is stored', async () => {
  const topic = await topicWithCompressionType('ct-too-large', 'uncompressed', [{ name: 'max.message.bytes', value: '10000' }]);
  const batch = buildRecordBatch([{ key: 'k', value: Buffer.alloc(50_000, 'a') }], { compression: Compression.gzip });
  expect(batch.length).toBeLessThan(10000);
  const c = await RawClient.open(broker.current.port);
  try {
    const res = await c.request(0, produceRequest, produceResponse, 8, produceBody(topic, batch));
    const p = res.responses[0].partitionResponses[0];
    expect(p.errorCode).toBe(10); // MESSAGE_TOO_LARGE
    expect(p.errorMessage).toMatch(/after uncompressed compression is larger than the maximum allowed \(10000\)/);
  } finally {
    c.close();
  }
  expect(await storedBatches(topic)).toEqual([]);
});

test.each(['gzip', 'zstd'] as Codec[])(
  'ListOffsets by timestamp finds the record inside a %s batch (the broker decompresses it, as Kafka does): confluent-kafka offsets_for_times',
  async (codec) => {
    const topic = await freshTopic(`z-times-${codec}`);
    const recs = sampleRecords('kafka-python');
    await WRITERS['kafka-python'].write(topic, codec, recs);
    const stored = await storedBatches(topic);
    expect(stored.map((b) => [b.codec, b.records.length])).toEqual([[CODEC_ID[codec], 5]]); // one batch holds them all
    const t0 = recs[0].timestamp;
    const out = await runOk(PYTHON, 'confluent_kafka_client.py', broker.current.bootstrap, 'offsets', { topic, times: [t0 + 2500, t0 + 3000, t0 - 1, t0 + 60_000] }, 30000);
    expect(out.for_times).toEqual([{ '0': 3 }, { '0': 3 }, { '0': 0 }, { '0': -1 }]);
  },
  TEST_TIMEOUT,
);
