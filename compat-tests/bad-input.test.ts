/**
 * Whatever a client sends, the broker answers with Kafka's error code or
 * closes that one connection with a log line saying why; it keeps serving
 * everyone else and stored data stays intact.
 */
import { Kafka, logLevel } from 'kafkajs';
import { ErrorCode } from '../src/protocol/error-codes';
import {
  apiVersionsRequest,
  apiVersionsResponse,
  fetchRequest,
  fetchResponse,
  listOffsetsRequest,
  listOffsetsResponse,
  metadataRequest,
  metadataResponse,
  produceRequest,
  produceResponse,
} from '../src/protocol/messages';
import { Reader } from '../src/protocol/primitives';
import { buildRecordBatch, Off } from '../src/protocol/record-batch';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';
import { fetchBody, produceBody } from './helpers/requests';

let broker: BrokerProcess;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBroker({ args: ['--message-max-bytes', '2000', '--max-request-bytes', '100000'] });
  kafka = new Kafka({ clientId: 'bad-input', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'precious', messages: Array.from({ length: 10 }, (_, i) => ({ value: `keep-${i}` })) });
  await producer.disconnect();
});
afterAll(async () => {
  await broker.cleanup();
});

async function stillServing(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('precious');
  await admin.disconnect();
  expect(offsets).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '10' })]);
}

async function closedWithLog(send: (c: RawClient) => void, logPattern: RegExp): Promise<void> {
  const c = await RawClient.open(broker.port);
  send(c);
  expect(await c.nextFrame()).toBeNull();
  expect(c.closed).toBe(true);
  await new Promise((r) => setTimeout(r, 100));
  expect(broker.logs.some((l) => typeof l.msg === 'string' && logPattern.test(l.msg))).toBe(true);
  await stillServing();
}

test('a frame larger than the maximum request size closes the connection', async () => {
  const size = Buffer.alloc(4);
  size.writeInt32BE(200000);
  await closedWithLog((c) => c.sendRaw(size), /larger than the maximum/);
});

test('a negative frame size closes the connection', async () => {
  await closedWithLog((c) => c.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xf0])), /negative frame size/);
});

test('an unknown API key closes the connection', async () => {
  const frame = Buffer.alloc(4 + 10);
  frame.writeInt32BE(10);
  frame.writeInt16BE(999, 4);
  await closedWithLog((c) => c.sendRaw(frame), /unknown API key 999/);
});

test('a body that cannot be parsed closes the connection', async () => {
  // Metadata v1 whose topic array claims a million entries in two bytes.
  const frame = Buffer.alloc(4 + 8 + 2 + 6);
  frame.writeInt32BE(16);
  frame.writeInt16BE(3, 4);
  frame.writeInt16BE(1, 6);
  frame.writeInt32BE(7, 8);
  frame.writeInt16BE(0, 12);
  frame.writeInt32BE(1000000, 14);
  await closedWithLog((c) => c.sendRaw(frame), /malformed/);
});

test('random garbage never crashes the broker', async () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 30; i++) {
    const c = await RawClient.open(broker.port);
    const body = Buffer.alloc(8 + Math.floor(rand() * 200));
    for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
    body.writeInt16BE([0, 1, 2, 3, 18, 19, 20][i % 7], 0); // a real API key, garbage after it
    body.writeInt16BE(Math.floor(rand() * 12), 2);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    c.sendRaw(Buffer.concat([size, body]));
    await c.nextFrame().catch(() => null);
    c.close();
  }
  await stillServing();
});

test('an unsupported ApiVersions version gets a v0 UNSUPPORTED_VERSION answer listing the ApiVersions versions', async () => {
  const c = await RawClient.open(broker.port);
  const frame = Buffer.alloc(4 + 8 + 2);
  frame.writeInt32BE(10);
  frame.writeInt16BE(18, 4);
  frame.writeInt16BE(99, 6);
  frame.writeInt32BE(123, 8);
  frame.writeInt16BE(-1, 12);
  c.sendRaw(frame);
  const resp = (await c.nextFrame())!;
  expect(resp.readInt32BE(0)).toBe(123);
  const body = apiVersionsResponse.decode(new Reader(resp, 4), 0);
  expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  // Like Kafka, only ApiVersions' own range: enough for the client to retry with a version we speak.
  expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  c.close();
});

test('ApiVersions v3 with an invalid client software name gets INVALID_REQUEST', async () => {
  const c = await RawClient.open(broker.port);
  const r = await c.request(18, apiVersionsRequest, apiVersionsResponse, 3, { clientSoftwareName: '-bad name-', clientSoftwareVersion: '1.0' });
  expect(r.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  c.close();
});

test('produce errors: old versions, bad CRC, bad magic, truncated, two batches, too large, bad acks, unknown topic or partition', async () => {
  const c = await RawClient.open(broker.port);
  const good = buildRecordBatch([{ value: 'x' }]);
  const err = async (version: number, body: ReturnType<typeof produceBody>) =>
    (await c.request(0, produceRequest, produceResponse, version, body)).responses[0].partitionResponses[0].errorCode;

  expect(await err(2, produceBody('precious', good))).toBe(ErrorCode.UNSUPPORTED_VERSION);

  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 1] ^= 0xff;
  expect(await err(7, produceBody('precious', badCrc))).toBe(ErrorCode.CORRUPT_MESSAGE);

  const badMagic = Buffer.from(good);
  badMagic.writeInt8(1, Off.magic);
  expect(await err(7, produceBody('precious', badMagic))).toBe(ErrorCode.INVALID_RECORD);

  // No complete batch at all.
  expect(await err(7, produceBody('precious', good.subarray(0, good.length - 3)))).toBe(ErrorCode.INVALID_RECORD);
  expect(await err(7, produceBody('precious', Buffer.concat([good, good])))).toBe(ErrorCode.INVALID_RECORD);

  const big = buildRecordBatch([{ value: Buffer.alloc(3000, 1) }]);
  expect(await err(9, produceBody('precious', big))).toBe(ErrorCode.MESSAGE_TOO_LARGE);

  expect(await err(7, produceBody('precious', good, 2))).toBe(ErrorCode.INVALID_REQUIRED_ACKS);

  const unknownPartition = { acks: -1, timeoutMs: 1000, topicData: [{ name: 'precious', partitionData: [{ index: 7, records: good }] }] };
  expect(await err(7, unknownPartition)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // As in Kafka, Produce creates no topic: an unknown (or illegal) name is just unknown.
  expect(await err(7, produceBody('bad/name', good))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  expect(await err(9, produceBody('not-yet-created', good))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const md = await c.request(3, metadataRequest, metadataResponse, 9, { topics: [{ name: 'not-yet-created' }], allowAutoTopicCreation: true });
  expect(md.topics[0].errorCode).toBe(ErrorCode.NONE); // Metadata does create it
  expect(await err(9, produceBody('not-yet-created', good))).toBe(ErrorCode.NONE);
  c.close();
  await stillServing();
});

test('fetch and list offsets outside the log get OFFSET_OUT_OF_RANGE / UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const c = await RawClient.open(broker.port);
  const fetch = (offset: bigint, topic = 'precious') =>
    c.request(1, fetchRequest, fetchResponse, 11, fetchBody(topic, offset, 0));
  const past = (await fetch(11n)).responses[0].partitions[0];
  expect(past.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  expect(past.highWatermark).toBe(-1n); // Kafka reports -1 offsets with a read error
  expect(past.logStartOffset).toBe(-1n);
  expect((await fetch(-1n)).responses[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  const atEnd = (await fetch(10n)).responses[0].partitions[0];
  expect(atEnd.errorCode).toBe(ErrorCode.NONE);
  expect(atEnd.records).toEqual(Buffer.alloc(0)); // empty, not null
  expect((await fetch(0n, 'no-such-topic-here')).responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const lo = await c.request(2, listOffsetsRequest, listOffsetsResponse, 5, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 'precious', partitions: [{ partitionIndex: 3, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  expect(lo.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const md = await c.request(3, metadataRequest, metadataResponse, 9, { topics: [{ name: 'nope' }], allowAutoTopicCreation: false });
  expect(md.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  c.close();
});

test('requests pipelined on one connection are answered in order', async () => {
  const c = await RawClient.open(broker.port);
  const ids: number[] = [];
  for (let i = 0; i < 50; i++) {
    ids.push(
      i % 2 === 0
        ? c.send(3, metadataRequest, 9, { topics: [{ name: 'precious' }] })
        : c.send(0, produceRequest, 7, produceBody('precious-2', buildRecordBatch([{ value: `p${i}` }]))),
    );
  }
  const got: number[] = [];
  for (let i = 0; i < 50; i++) got.push((await c.nextFrame())!.readInt32BE(0));
  expect(got).toEqual(ids);
  c.close();
});

test('a failed acks=0 produce closes the connection, as Kafka does', async () => {
  const c = await RawClient.open(broker.port);
  const bad = Buffer.from(buildRecordBatch([{ value: 'x' }]));
  bad[bad.length - 1] ^= 0xff;
  c.send(0, produceRequest, 7, produceBody('precious', bad, 0));
  expect(await c.nextFrame()).toBeNull();
  expect(c.closed).toBe(true);
  await stillServing();
});

test('a good acks=0 produce gets no response and is stored', async () => {
  const c = await RawClient.open(broker.port);
  await c.request(3, metadataRequest, metadataResponse, 9, { topics: [{ name: 'acks-zero' }], allowAutoTopicCreation: true });
  c.send(0, produceRequest, 7, produceBody('acks-zero', buildRecordBatch([{ value: 'silent' }]), 0));
  const id = c.send(3, metadataRequest, 9, { topics: [{ name: 'acks-zero' }] });
  const next = (await c.nextFrame())!;
  expect(next.readInt32BE(0)).toBe(id); // the metadata answer is the first frame: none for the produce
  const admin = kafka.admin();
  await admin.connect();
  expect((await admin.fetchTopicOffsets('acks-zero'))[0].high).toBe('1');
  await admin.disconnect();
  c.close();
});
