/**
 * The newest versions of Kafka 4.3's specs that no client on this machine
 * sends, through a raw client against a real broker process: Produce 12-13
 * (topics by id), Fetch 18, Metadata 13, ListOffsets 10-11, OffsetCommit and
 * OffsetFetch 10 (topics by id), DescribeGroups 6, with their error paths;
 * and ApiVersions advertising Kafka's ranges for every API we have.
 */
import { ErrorCode } from '../src/protocol/error-codes';
import {
  apiVersionsRequest,
  apiVersionsResponse,
  createTopicsRequest,
  createTopicsResponse,
  describeGroupsRequest,
  describeGroupsResponse,
  fetchRequest,
  fetchResponse,
  listOffsetsRequest,
  listOffsetsResponse,
  metadataRequest,
  metadataResponse,
  offsetCommitRequest,
  offsetCommitResponse,
  offsetFetchRequest,
  offsetFetchResponse,
  produceRequest,
  produceResponse,
} from '../src/protocol/messages';
import { ZERO_UUID } from '../src/protocol/primitives';
import { buildRecordBatch, decodeRecords, readBatchHeader } from '../src/protocol/record-batch';
import { BrokerProcess, startBroker } from './helpers/broker-process';
import { RawClient } from './helpers/raw-client';
import { fetchBody } from './helpers/requests';

let broker: BrokerProcess;
let c: RawClient;
let topicId: string;
let offsetsTopicId: string;

const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const TS = 1_700_000_000_000;

beforeAll(async () => {
  broker = await startBroker();
  c = await RawClient.open(broker.port);
  const created = await c.request(19, createTopicsRequest, createTopicsResponse, 7, {
    topics: [{ name: 'latest', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
  topicId = created.topics[0].topicId;
  // A group commit creates __consumer_offsets; its id comes from Metadata.
  await c.request(8, offsetCommitRequest, offsetCommitResponse, 9, {
    groupId: 'bootstrap',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [{ name: 'latest', partitions: [{ partitionIndex: 0, committedOffset: 0n, committedMetadata: null }] }],
  });
  const md = await c.request(3, metadataRequest, metadataResponse, 13, { topics: [{ topicId: ZERO_UUID, name: '__consumer_offsets' }], allowAutoTopicCreation: false });
  offsetsTopicId = md.topics[0].topicId;
}, 30000);
afterAll(async () => {
  c?.close();
  await broker?.cleanup();
});

const batch = (values: string[], ts = TS) => buildRecordBatch(values.map((value, i) => ({ value, timestamp: ts + i * 10 })));

function values(records: unknown): string[] {
  const out: string[] = [];
  for (const b of Array.isArray(records) ? records : [records]) {
    let pos = 0;
    while (pos < b.length) {
      const h = readBatchHeader(b, pos);
      out.push(...decodeRecords(b.subarray(pos + 61, pos + 12 + h.batchLength), h.recordCount).map((r) => r.value!.toString()));
      pos += 12 + h.batchLength;
    }
  }
  return out;
}

test("ApiVersions advertises Kafka 4.3's ranges for every API we have (Produce from 0, as Kafka does for librdkafka)", async () => {
  const r = await c.request(18, apiVersionsRequest, apiVersionsResponse, 4, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
  const ranges = Object.fromEntries(r.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  expect(ranges).toMatchObject({
    0: [0, 13],
    1: [4, 18],
    2: [1, 11],
    3: [0, 13],
    8: [2, 10],
    9: [1, 10],
    10: [0, 6],
    11: [0, 9],
    12: [0, 4],
    13: [0, 5],
    14: [0, 5],
    15: [0, 6],
    16: [0, 5],
    18: [0, 4],
    19: [2, 7],
    20: [1, 6],
    42: [0, 2],
    47: [0, 0],
  });
});

test('Produce v13 names topics by id, v12 by name; Fetch v18 (with a follower-style high watermark) reads them back', async () => {
  const byId = await c.request(0, produceRequest, produceResponse, 13, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ topicId, partitionData: [{ index: 0, records: batch(['a', 'b']) }] }],
  });
  expect(byId.responses).toHaveLength(1);
  expect(byId.responses[0].topicId).toBe(topicId);
  expect(byId.responses[0].name).toBe(''); // not on the wire in v13
  expect(byId.responses[0].partitionResponses[0]).toMatchObject({ index: 0, errorCode: ErrorCode.NONE, baseOffset: 0n, logStartOffset: 0n });

  const byName = await c.request(0, produceRequest, produceResponse, 12, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 'latest', partitionData: [{ index: 0, records: batch(['c']) }] }],
  });
  expect(byName.responses[0]).toMatchObject({ name: 'latest', topicId: ZERO_UUID });
  expect(byName.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2n });

  const body = fetchBody('', 0n, 0);
  const fetched = await c.request(1, fetchRequest, fetchResponse, 18, {
    ...body,
    topics: [{ topicId, topic: '', partitions: [{ ...body.topics[0].partitions[0], highWatermark: 1n }] }],
  });
  expect(fetched.errorCode).toBe(ErrorCode.NONE);
  const p = fetched.responses[0].partitions[0];
  expect(fetched.responses[0].topicId).toBe(topicId);
  expect(p).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3n });
  expect(values(p.records)).toEqual(['a', 'b', 'c']);

  const unknown = await c.request(1, fetchRequest, fetchResponse, 18, { ...body, topics: [{ ...body.topics[0], topicId: UNKNOWN_ID }] });
  expect(unknown.responses[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
});

test('Produce v13: an unknown id gets UNKNOWN_TOPIC_ID, a missing partition of a known one UNKNOWN_TOPIC_OR_PARTITION, the internal topic INVALID_TOPIC_EXCEPTION', async () => {
  const r = await c.request(0, produceRequest, produceResponse, 13, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [
      { topicId: UNKNOWN_ID, partitionData: [{ index: 0, records: batch(['x']) }, { index: 1, records: batch(['y']) }] },
      { topicId, partitionData: [{ index: 7, records: batch(['z']) }, { index: 1, records: batch(['ok']) }] },
      { topicId: offsetsTopicId, partitionData: [{ index: 0, records: batch(['no']) }] },
    ],
  });
  expect(r.responses.map((t) => t.topicId)).toEqual([UNKNOWN_ID, topicId, offsetsTopicId]);
  expect(r.responses[0].partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])).toEqual([
    [0, ErrorCode.UNKNOWN_TOPIC_ID, -1n],
    [1, ErrorCode.UNKNOWN_TOPIC_ID, -1n],
  ]);
  expect(r.responses[1].partitionResponses.map((p) => [p.index, p.errorCode])).toEqual([
    [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [1, ErrorCode.NONE],
  ]);
  expect(r.responses[2].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  // Nothing was written for the failed partitions; the good one landed.
  const body = fetchBody('latest', 0n, 0);
  const f = await c.request(1, fetchRequest, fetchResponse, 12, { ...body, topics: [{ ...body.topics[0], partitions: [{ ...body.topics[0].partitions[0], partition: 1 }] }] });
  expect(values(f.responses[0].partitions[0].records)).toEqual(['ok']);
});

test('Metadata v13 answers with a top-level error code', async () => {
  const r = await c.request(3, metadataRequest, metadataResponse, 13, {
    topics: [
      { topicId: ZERO_UUID, name: 'latest' },
      { topicId: ZERO_UUID, name: 'no-such-topic' },
      { topicId: UNKNOWN_ID, name: null },
    ],
    allowAutoTopicCreation: false,
  });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  expect(r.topics.map((t) => [t.name, t.errorCode])).toEqual([
    ['latest', ErrorCode.NONE],
    ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    [null, ErrorCode.UNKNOWN_TOPIC_ID],
  ]);
  expect(r.topics[0].topicId).toBe(topicId);
});

test('ListOffsets v10-11: timeoutMs accepted; -4 is the log start and -5/-6 have no tiered storage to report; special timestamps need their version', async () => {
  const ask = (version: number, timestamps: bigint[]) =>
    c.request(2, listOffsetsRequest, listOffsetsResponse, version, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: 30000,
      topics: [{ name: 'latest', partitions: timestamps.map((timestamp) => ({ partitionIndex: 0, currentLeaderEpoch: -1, timestamp })) }],
    });
  const v11 = await ask(11, [-1n, -2n, -3n, -4n, -5n, -6n, BigInt(TS + 5)]);
  expect(v11.topics[0].partitions.map((p) => [p.errorCode, p.offset, p.timestamp])).toEqual([
    [ErrorCode.NONE, 3n, -1n], // latest
    [ErrorCode.NONE, 0n, -1n], // earliest
    [ErrorCode.NONE, 1n, BigInt(TS + 10)], // max timestamp: record "b"
    [ErrorCode.NONE, 0n, -1n], // earliest local = log start without remote storage
    [ErrorCode.NONE, -1n, -1n], // latest tiered: none
    [ErrorCode.NONE, -1n, -1n], // earliest pending upload: none
    [ErrorCode.NONE, 1n, BigInt(TS + 10)], // first record at or after TS+5
  ]);
  expect(v11.topics[0].partitions[4].leaderEpoch).toBe(-1);
  expect(v11.topics[0].partitions[5].leaderEpoch).toBe(-1);

  // -6 arrived in v11 and -5 in v9: older versions get UNSUPPORTED_VERSION, as any unknown negative timestamp does.
  const v10 = await ask(10, [-6n, -5n, -7n, -1n]);
  expect(v10.topics[0].partitions.map((p) => p.errorCode)).toEqual([ErrorCode.UNSUPPORTED_VERSION, ErrorCode.NONE, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.NONE]);
  const v8 = await ask(8, [-5n, -4n]);
  expect(v8.topics[0].partitions.map((p) => p.errorCode)).toEqual([ErrorCode.UNSUPPORTED_VERSION, ErrorCode.NONE]);

  const unknown = await c.request(2, listOffsetsRequest, listOffsetsResponse, 11, {
    replicaId: -1,
    isolationLevel: 0,
    timeoutMs: 0,
    topics: [{ name: 'nope', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  });
  expect(unknown.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('OffsetCommit v10 and OffsetFetch v10 name topics by id; the coordinator keeps names, so v9 sees the same offsets', async () => {
  const commit = await c.request(8, offsetCommitRequest, offsetCommitResponse, 10, {
    groupId: 'g10',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      { topicId, partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: 0, committedMetadata: 'by id' }, { partitionIndex: 9, committedOffset: 1n, committedMetadata: null }] },
      { topicId: UNKNOWN_ID, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: null }, { partitionIndex: 1, committedOffset: 5n, committedMetadata: null }] },
    ],
  });
  expect(commit.topics.map((t) => [t.topicId, t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
    // Kafka's order: each topic once, the partitions that failed validation first.
    [topicId, '', [[9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, ErrorCode.NONE]]],
    [UNKNOWN_ID, '', [[0, ErrorCode.UNKNOWN_TOPIC_ID], [1, ErrorCode.UNKNOWN_TOPIC_ID]]],
  ]);

  const fetched = await c.request(9, offsetFetchRequest, offsetFetchResponse, 10, {
    groups: [
      { groupId: 'g10', memberId: null, memberEpoch: -1, topics: [{ topicId, partitionIndexes: [0, 1] }, { topicId: UNKNOWN_ID, partitionIndexes: [3] }] },
      { groupId: 'g10', memberId: null, memberEpoch: -1, topics: null },
    ],
    requireStable: false,
  });
  const [asked, all] = fetched.groups;
  expect(asked.errorCode).toBe(ErrorCode.NONE);
  expect(asked.topics.map((t) => [t.topicId, t.name])).toEqual([
    [topicId, ''],
    [UNKNOWN_ID, ''],
  ]);
  expect(asked.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode])).toEqual([
    [0, 2n, 0, 'by id', ErrorCode.NONE],
    [1, -1n, -1, '', ErrorCode.NONE],
  ]);
  expect(asked.topics[1].partitions).toEqual([{ partitionIndex: 3, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNKNOWN_TOPIC_ID }]);
  // Every committed topic of the group, by id.
  expect(all.topics.map((t) => [t.topicId, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([[topicId, [[0, 2n]]]]);

  const v9 = await c.request(9, offsetFetchRequest, offsetFetchResponse, 9, {
    groups: [{ groupId: 'g10', memberId: null, memberEpoch: -1, topics: [{ name: 'latest', partitionIndexes: [0] }] }],
    requireStable: false,
  });
  expect(v9.groups[0].topics[0]).toMatchObject({ name: 'latest', partitions: [{ partitionIndex: 0, committedOffset: 2n, metadata: 'by id' }] });
});

test('DescribeGroups v6 answers an unknown group GROUP_ID_NOT_FOUND with a message; v5 describes it as Dead without error', async () => {
  const v6 = await c.request(15, describeGroupsRequest, describeGroupsResponse, 6, { groups: ['no-such-group', 'g10'], includeAuthorizedOperations: false });
  expect(v6.groups[0]).toMatchObject({
    groupId: 'no-such-group',
    errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
    errorMessage: 'Group no-such-group not found.',
    groupState: 'Dead',
    members: [],
  });
  expect(v6.groups[1]).toMatchObject({ groupId: 'g10', errorCode: ErrorCode.NONE, errorMessage: null, groupState: 'Empty' });
  const v5 = await c.request(15, describeGroupsRequest, describeGroupsResponse, 5, { groups: ['no-such-group'], includeAuthorizedOperations: false });
  expect(v5.groups[0]).toMatchObject({ groupId: 'no-such-group', errorCode: ErrorCode.NONE, groupState: 'Dead' });
});
