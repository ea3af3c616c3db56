/**
 * Golden bytes from real clients.
 *
 * Requests: fixtures/*.json hold request bodies captured from kafkajs's and
 * @platformatic/kafka's encoders (regenerate with fixtures/capture.js). Each
 * one is decoded with our codec, checked field by field, and re-encoded to
 * the very same bytes.
 *
 * Responses (differential): our encoding of a response is decoded by
 * kafkajs's response decoders (in process) and by @platformatic/kafka's
 * parseResponse functions (an ES module: in one child process,
 * fixtures/platformatic-parse.mjs) and must give the same values.
 */
import {
  apiVersionsResponse,
  createTopicsResponse,
  deleteTopicsResponse,
  fetchResponse,
  listOffsetsResponse,
  metadataRequest,
  metadataResponse,
  produceResponse,
} from '../../src/protocol/messages';
import { MalformedError, Reader, ZERO_UUID, uuidToString } from '../../src/protocol/primitives';
import { buildRecordBatch, decodeRecords, readBatchHeader } from '../../src/protocol/record-batch';
import {
  FixtureChecks,
  Obj,
  PltCases,
  dashed,
  encode,
  fixtureVersions,
  kafkajsDecode,
  loadFixtures,
  platformaticParse,
  testEachFixture,
  throttle,
} from './golden-helpers';

const TS = 1700000000000n;
const TOPIC_ID_A = uuidToString(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
const TOPIC_ID_B = uuidToString(Buffer.from('f0e0d0c0b0a090807060504030201000', 'hex'));

/** The records of a v2 batch, as (key, value, timestamp). */
function batchRecords(records: Buffer) {
  const h = readBatchHeader(records);
  expect(h.magic).toBe(2);
  expect(12 + h.batchLength).toBe(records.length);
  return {
    header: h,
    records: decodeRecords(records.subarray(61), h.recordCount).map((rec) => ({
      key: rec.key?.toString(),
      value: rec.value?.toString(),
      timestamp: h.baseTimestamp + rec.timestampDelta,
    })),
  };
}

// ------------------------------------------------------------ kafkajs requests

const KAFKAJS = loadFixtures('kafkajs-requests.json');

describe('kafkajs request encodings decode with our codecs', () => {
  test('fixtures cover every kafkajs version inside our ranges', () => {
    expect(fixtureVersions(KAFKAJS)).toEqual({
      ApiVersions: [0, 1, 2],
      Metadata: [0, 1, 2, 3, 4, 5, 6],
      Produce: [0, 1, 2, 3, 4, 5, 6, 7],
      Fetch: [4, 5, 6, 7, 8, 9, 10, 11],
      ListOffsets: [1, 2, 3],
      CreateTopics: [2, 3],
      DeleteTopics: [1],
    });
  });

  const EXPECT: FixtureChecks = {
    ApiVersions: (_v, value) => {
      expect(value).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
    },
    Metadata: (v, value) => {
      expect(value).toEqual({
        topics: [
          { topicId: ZERO_UUID, name: 'topic-a' },
          { topicId: ZERO_UUID, name: 'topic-b' },
        ],
        allowAutoTopicCreation: v < 4, // kafkajs sends false; before v4 the field is absent (default true)
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
    },
    Produce: (v, value) => {
      expect(value).toMatchObject({ transactionalId: v >= 3 ? 'tx-1' : null, acks: -1, timeoutMs: 30000 });
      expect(value.topicData).toHaveLength(1);
      expect(value.topicData[0].name).toBe('topic-a');
      const parts = value.topicData[0].partitionData;
      expect(parts.map((p: Obj) => p.index)).toEqual([0, 2]);
      if (v >= 3) {
        const first = batchRecords(parts[0].records);
        expect(first.header.attributes & 0x10).toBe(0x10); // transactional
        expect(first.records).toEqual([
          { key: 'k1', value: 'v1', timestamp: TS },
          { key: 'k2', value: 'value-2', timestamp: TS + 5n },
        ]);
        expect(batchRecords(parts[1].records).records).toEqual([{ key: 'k1', value: 'v1', timestamp: TS }]);
      } else {
        // A legacy message set: offset (8), size (4), crc (4), magic (v0 for produce v0-1, v1 for v2).
        const set = parts[0].records as Buffer;
        expect(set.readInt8(16)).toBe(v === 2 ? 1 : 0);
      }
    },
    Fetch: (v, value) => {
      expect(value).toEqual({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 10485760,
        isolationLevel: 1,
        sessionId: v >= 7 ? 77 : 0,
        sessionEpoch: v >= 7 ? 3 : -1,
        topics: [
          {
            topic: 'topic-a',
            topicId: ZERO_UUID,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: v >= 9 ? 5 : -1,
                fetchOffset: 42n,
                lastFetchedEpoch: -1,
                logStartOffset: v >= 5 ? 10n : -1n,
                partitionMaxBytes: 1048576,
                replicaDirectoryId: ZERO_UUID,
                highWatermark: 9223372036854775807n,
              },
              {
                partition: 1,
                currentLeaderEpoch: v >= 9 ? 6 : -1,
                fetchOffset: 7n,
                lastFetchedEpoch: -1,
                logStartOffset: v >= 5 ? 0n : -1n,
                partitionMaxBytes: 65536,
                replicaDirectoryId: ZERO_UUID,
                highWatermark: 9223372036854775807n,
              },
            ],
          },
        ],
        forgottenTopicsData: v >= 7 ? [{ topic: 'old-topic', topicId: ZERO_UUID, partitions: [3, 4] }] : [],
        rackId: v >= 11 ? 'rack-1' : '',
      });
    },
    ListOffsets: (v, value) => {
      expect(value).toEqual({
        replicaId: -1,
        isolationLevel: v >= 2 ? 1 : 0,
        topics: [
          {
            name: 'topic-a',
            partitions: [
              { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n },
              { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: TS },
            ],
          },
        ],
        timeoutMs: 0,
      });
    },
    CreateTopics: (_v, value) => {
      expect(value).toEqual({
        topics: [
          {
            name: 'new-topic',
            numPartitions: 3,
            replicationFactor: 1,
            assignments: [],
            configs: [{ name: 'cleanup.policy', value: 'compact' }],
          },
          {
            name: 'assigned',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              { partitionIndex: 0, brokerIds: [1] },
              { partitionIndex: 1, brokerIds: [1] },
            ],
            configs: [],
          },
        ],
        timeoutMs: 5000,
        validateOnly: true,
      });
    },
    DeleteTopics: (_v, value) => {
      expect(value).toEqual({ topics: [], topicNames: ['topic-a', 'topic-b'], timeoutMs: 5000 });
    },
  };

  testEachFixture(KAFKAJS, EXPECT);
});

// ------------------------------------------------------- platformatic requests

const PLATFORMATIC = loadFixtures('platformatic-requests.json');

describe('@platformatic/kafka request encodings decode with our codecs', () => {
  test('fixtures cover the versions it has, all flexible ones included', () => {
    expect(fixtureVersions(PLATFORMATIC)).toEqual({
      ApiVersions: [3, 4],
      Metadata: [9, 10, 11, 12],
      Produce: [7, 8, 9, 10, 11],
      Fetch: [12, 13, 14, 15, 16, 17],
      ListOffsets: [5, 6, 7, 8, 9],
      CreateTopics: [7],
      DeleteTopics: [6],
    });
  });

  const EXPECT: FixtureChecks = {
    ApiVersions: (_v, value) => {
      expect(value).toEqual({ clientSoftwareName: 'kafkats-test', clientSoftwareVersion: '1.2.3' });
    },
    Metadata: (v, value) => {
      expect(value).toEqual({
        topics: [
          { topicId: ZERO_UUID, name: 'topic-a' },
          { topicId: ZERO_UUID, name: 'topic-b' },
        ],
        allowAutoTopicCreation: true,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: true,
      });
      expect(v).not.toBe(11);
    },
    Produce: (_v, value) => {
      expect(value).toMatchObject({ transactionalId: 'tx-1', acks: -1, timeoutMs: 30000 });
      expect(value.topicData.map((t: Obj) => t.name)).toEqual(['topic-a', 'topic-b']);
      const a = value.topicData[0].partitionData;
      const b = value.topicData[1].partitionData;
      expect(a.map((p: Obj) => p.index)).toEqual([0]);
      expect(b.map((p: Obj) => p.index)).toEqual([1]);
      const batchA = batchRecords(a[0].records);
      expect(batchA.header.producerId).toBe(1234n);
      expect(batchA.header.producerEpoch).toBe(2);
      expect(batchA.records).toEqual([
        { key: 'k1', value: 'v1', timestamp: TS },
        { key: 'k2', value: 'value-2', timestamp: TS + 5n },
      ]);
      expect(batchRecords(b[0].records).records).toEqual([{ key: 'k3', value: 'v3', timestamp: TS }]);
    },
    Fetch: (v, value) => {
      const byId = v >= 13;
      expect(value).toEqual({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 10485760,
        isolationLevel: 1,
        sessionId: 77,
        sessionEpoch: 3,
        topics: [
          {
            topic: byId ? '' : 'topic-a',
            topicId: byId ? TOPIC_ID_A : ZERO_UUID,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: 5,
                fetchOffset: 42n,
                lastFetchedEpoch: 4,
                logStartOffset: -1n,
                partitionMaxBytes: 1048576,
                replicaDirectoryId: ZERO_UUID,
                highWatermark: 9223372036854775807n,
              },
              {
                partition: 1,
                currentLeaderEpoch: 6,
                fetchOffset: 7n,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: 65536,
                replicaDirectoryId: ZERO_UUID,
                highWatermark: 9223372036854775807n,
              },
            ],
          },
        ],
        forgottenTopicsData: byId ? [{ topic: '', topicId: TOPIC_ID_B, partitions: [3, 4] }] : [],
        rackId: 'rack-1',
      });
    },
    ListOffsets: (_v, value) => {
      expect(value).toEqual({
        replicaId: -1,
        isolationLevel: 1,
        topics: [
          {
            name: 'topic-a',
            partitions: [
              { partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -1n },
              { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: TS },
            ],
          },
        ],
        timeoutMs: 0,
      });
    },
    CreateTopics: (_v, value) => {
      expect(value).toEqual({
        topics: [
          {
            name: 'new-topic',
            numPartitions: 3,
            replicationFactor: 1,
            assignments: [],
            configs: [{ name: 'cleanup.policy', value: 'compact' }],
          },
          { name: 'assigned', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [] },
        ],
        timeoutMs: 5000,
        validateOnly: true,
      });
    },
    DeleteTopics: (_v, value) => {
      expect(value).toEqual({
        topics: [
          { name: 'topic-a', topicId: ZERO_UUID },
          { name: null, topicId: TOPIC_ID_B },
        ],
        topicNames: [],
        timeoutMs: 5000,
      });
    },
  };

  testEachFixture(PLATFORMATIC, EXPECT, (api, v) => api === 'Metadata' && v === 11);

  test('Metadata v11 from this client carries includeClusterAuthorizedOperations, which v11 no longer has', () => {
    // Kafka's spec has the field in versions 8-10 only; the client writes it in v11 too, so the
    // request is malformed as v11 (its includeTopicAuthorizedOperations byte lands where the
    // tagged-field count belongs) while the same bytes are a well-formed v10 request.
    // Clients negotiate v12 with us (and with Kafka), which the client encodes correctly.
    const buf = Buffer.from(PLATFORMATIC.Metadata['11'], 'hex');
    expect(() => metadataRequest.decode(new Reader(buf), 11)).toThrow(MalformedError);
    const v10 = new Reader(buf);
    expect(metadataRequest.decode(v10, 10)).toMatchObject({
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: true,
    });
    expect(v10.remaining).toBe(0);
  });
});

// ------------------------------------------------------- kafkajs responses

const FETCH_BATCH = buildRecordBatch(
  [
    { key: 'k1', value: 'v1', timestamp: Number(TS) },
    { key: 'k2', value: 'v2', timestamp: Number(TS) + 1, headers: [{ key: 'h', value: 'x' }] },
  ],
  { baseOffset: 40 },
);

const apiVersionsValue = {
  errorCode: 0,
  apiKeys: [
    { apiKey: 0, minVersion: 3, maxVersion: 11 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
  ],
  throttleTimeMs: 25,
};

const metadataValue = {
  throttleTimeMs: 10,
  brokers: [
    { nodeId: 1, host: 'broker-1', port: 9092, rack: 'r1' },
    { nodeId: 2, host: 'broker-2', port: 9093, rack: 'r2' },
  ],
  clusterId: 'cluster-x',
  controllerId: 1,
  topics: [
    {
      errorCode: 0,
      name: 'topic-a',
      topicId: TOPIC_ID_A,
      isInternal: false,
      partitions: [
        { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] },
        { errorCode: 0, partitionIndex: 1, leaderId: 2, leaderEpoch: 4, replicaNodes: [2], isrNodes: [2], offlineReplicas: [] },
      ],
      topicAuthorizedOperations: 0x0df8,
    },
  ],
  clusterAuthorizedOperations: 0x7fa0,
};

const produceValue = {
  responses: [
    {
      name: 'topic-a',
      partitionResponses: [
        { index: 0, errorCode: 0, baseOffset: 100n, logAppendTimeMs: TS, logStartOffset: 7n, recordErrors: [], errorMessage: null },
        { index: 2, errorCode: 0, baseOffset: 5n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null },
      ],
    },
  ],
  throttleTimeMs: 5,
};

const fetchValue = (v: number) => ({
  throttleTimeMs: 15,
  errorCode: 0,
  sessionId: 77,
  responses: [
    {
      topic: 'topic-a',
      topicId: TOPIC_ID_A,
      partitions: [
        {
          partitionIndex: 0,
          errorCode: 0,
          highWatermark: 42n,
          lastStableOffset: 41n,
          logStartOffset: 3n,
          abortedTransactions: [{ producerId: 9n, firstOffset: 40n }],
          preferredReadReplica: -1,
          records: FETCH_BATCH,
        },
        {
          partitionIndex: 1,
          errorCode: 0,
          highWatermark: 0n,
          lastStableOffset: 0n,
          logStartOffset: 0n,
          abortedTransactions: v >= 12 ? null : [],
          preferredReadReplica: -1,
          records: null,
        },
      ],
    },
  ],
});

const listOffsetsValue = {
  throttleTimeMs: 3,
  topics: [
    {
      name: 'topic-a',
      partitions: [
        { partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 42n, leaderEpoch: 0 },
        { partitionIndex: 1, errorCode: 0, timestamp: TS, offset: 7n, leaderEpoch: 2 },
      ],
    },
  ],
};

const createTopicsValue = {
  throttleTimeMs: 4,
  topics: [
    {
      name: 'new-topic',
      topicId: TOPIC_ID_A,
      errorCode: 0,
      errorMessage: null,
      numPartitions: 3,
      replicationFactor: 1,
      configs: [{ name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 5, isSensitive: false }],
    },
    { name: 'another', topicId: TOPIC_ID_B, errorCode: 0, errorMessage: null, numPartitions: 1, replicationFactor: 1, configs: [] },
  ],
};

const deleteTopicsValue = {
  throttleTimeMs: 6,
  responses: [
    { name: 'topic-b', topicId: TOPIC_ID_B, errorCode: 0, errorMessage: null },
    { name: 'topic-a', topicId: TOPIC_ID_A, errorCode: 0, errorMessage: null },
  ],
};

describe('our responses decode with kafkajs', () => {
  test.each([0, 1, 2])('ApiVersions v%i', async (v) => {
    const got = await kafkajsDecode('apiVersions', v)(encode(apiVersionsResponse, apiVersionsValue, v));
    expect(got).toEqual({
      errorCode: 0,
      apiVersions: apiVersionsValue.apiKeys,
      ...(v >= 1 ? throttle(v, 2, 25) : {}),
    });
  });

  test.each([0, 1, 2, 3, 4, 5, 6])('Metadata v%i', async (v) => {
    const got = await kafkajsDecode('metadata', v)(encode(metadataResponse, metadataValue, v));
    expect(got).toEqual({
      ...(v >= 3 ? throttle(v, 6, 10) : {}),
      brokers: metadataValue.brokers.map(({ rack, ...b }) => (v >= 1 ? { ...b, rack } : b)),
      ...(v >= 2 ? { clusterId: 'cluster-x' } : {}),
      ...(v >= 1 ? { controllerId: 1 } : {}),
      topicMetadata: [
        {
          topicErrorCode: 0,
          topic: 'topic-a',
          ...(v >= 1 ? { isInternal: false } : {}),
          partitionMetadata: metadataValue.topics[0].partitions.map((p) => ({
            partitionErrorCode: 0,
            partitionId: p.partitionIndex,
            leader: p.leaderId,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            ...(v >= 5 ? { offlineReplicas: p.offlineReplicas } : {}),
          })),
        },
      ],
    });
  });

  test.each([0, 1, 2, 3, 4, 5, 6, 7])('Produce v%i', async (v) => {
    const got = await kafkajsDecode('produce', v)(encode(produceResponse, produceValue, v));
    const partitions = produceValue.responses[0].partitionResponses.map((p) => ({
      partition: p.index,
      errorCode: 0,
      ...(v <= 1 ? { offset: String(p.baseOffset) } : {}),
      ...(v === 2 ? { offset: String(p.baseOffset), timestamp: String(p.logAppendTimeMs) } : {}),
      ...(v >= 3 ? { baseOffset: String(p.baseOffset), logAppendTime: String(p.logAppendTimeMs) } : {}),
      ...(v >= 5 ? { logStartOffset: String(p.logStartOffset) } : {}),
    }));
    expect(got).toEqual({ topics: [{ topicName: 'topic-a', partitions }], ...(v >= 1 ? throttle(v, 6, 5) : {}) });
  });

  test.each([4, 5, 6, 7, 8, 9, 10, 11])('Fetch v%i', async (v) => {
    const value = fetchValue(v);
    const got = await kafkajsDecode('fetch', v)(encode(fetchResponse, value, v));
    expect(got).toMatchObject({
      ...throttle(v, 8, 15),
      ...(v >= 7 ? { errorCode: 0, sessionId: 77 } : {}),
      responses: [
        {
          topicName: 'topic-a',
          partitions: [
            {
              partition: 0,
              errorCode: 0,
              highWatermark: '42',
              lastStableOffset: '41',
              ...(v >= 5 ? { lastStartOffset: '3' } : {}),
              abortedTransactions: [{ producerId: '9', firstOffset: '40' }],
              ...(v >= 11 ? { preferredReadReplica: -1 } : {}),
              messages: [
                { offset: '40', key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: String(TS) },
                { offset: '41', key: Buffer.from('k2'), value: Buffer.from('v2'), timestamp: String(TS + 1n), headers: { h: Buffer.from('x') } },
              ],
            },
            { partition: 1, errorCode: 0, highWatermark: '0', abortedTransactions: [], messages: [] },
          ],
        },
      ],
    });
  });

  test.each([1, 2, 3])('ListOffsets v%i', async (v) => {
    const got = await kafkajsDecode('listOffsets', v)(encode(listOffsetsResponse, listOffsetsValue, v));
    expect(got).toEqual({
      ...(v >= 2 ? throttle(v, 3, 3) : {}),
      responses: [
        {
          topic: 'topic-a',
          partitions: listOffsetsValue.topics[0].partitions.map((p) => ({
            partition: p.partitionIndex,
            errorCode: 0,
            timestamp: String(p.timestamp),
            offset: String(p.offset),
          })),
        },
      ],
    });
  });

  test.each([2, 3])('CreateTopics v%i', async (v) => {
    const got = await kafkajsDecode('createTopics', v)(encode(createTopicsResponse, createTopicsValue, v));
    expect(got).toEqual({
      ...throttle(v, 3, 4),
      topicErrors: [
        { topic: 'another', errorCode: 0, errorMessage: null },
        { topic: 'new-topic', errorCode: 0, errorMessage: null },
      ],
    });
  });

  test('DeleteTopics v1', async () => {
    const got = await kafkajsDecode('deleteTopics', 1)(encode(deleteTopicsResponse, deleteTopicsValue, 1));
    expect(got).toEqual({
      ...throttle(1, 1, 6),
      topicErrors: [
        { topic: 'topic-a', errorCode: 0 },
        { topic: 'topic-b', errorCode: 0 },
      ],
    });
  });
});

// -------------------------------------------------- platformatic responses

function pltCases() {
  const { add, cases } = new PltCases();

  for (const v of [3, 4]) {
    add('ApiVersions', `apiVersionsV${v}`, apiVersionsResponse, v, apiVersionsValue, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, name: 'Produce', minVersion: 3, maxVersion: 11 },
        { apiKey: 18, name: 'ApiVersions', minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 25,
    });
  }
  for (const v of [9, 10, 11, 12]) {
    const t = metadataValue.topics[0];
    add('Metadata', `metadataV${v}`, metadataResponse, v, metadataValue, {
      throttleTimeMs: 10,
      brokers: metadataValue.brokers,
      clusterId: 'cluster-x',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'topic-a',
          ...(v >= 10 ? { topicId: dashed(TOPIC_ID_A) } : {}),
          isInternal: false,
          partitions: t.partitions,
          topicAuthorizedOperations: t.topicAuthorizedOperations,
        },
      ],
    });
  }
  for (const v of [7, 8, 9, 10, 11]) {
    // v10+: currentLeader at its default is not written (this client cannot read tagged fields, see below).
    const value =
      v >= 10
        ? { ...produceValue, responses: produceValue.responses.map((r) => ({ ...r, partitionResponses: r.partitionResponses.map((p) => ({ ...p, currentLeader: { leaderId: -1, leaderEpoch: -1 } })) })) }
        : produceValue;
    add('Produce', `produceV${v}`, produceResponse, v, value, {
      responses: [
        {
          name: 'topic-a',
          partitionResponses: produceValue.responses[0].partitionResponses.map((p) => ({
            index: p.index,
            errorCode: 0,
            baseOffset: String(p.baseOffset),
            logAppendTimeMs: String(p.logAppendTimeMs),
            logStartOffset: String(p.logStartOffset),
            recordErrors: [],
            errorMessage: null,
          })),
        },
      ],
      throttleTimeMs: 5,
    });
  }
  for (const v of [12, 13, 14, 15, 16, 17]) {
    add('Fetch', `fetchV${v}`, fetchResponse, v, fetchValue(v), {
      throttleTimeMs: 15,
      errorCode: 0,
      sessionId: 77,
      responses: [
        {
          topicId: v >= 13 ? dashed(TOPIC_ID_A) : 'topic-a',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: '42',
              lastStableOffset: '41',
              logStartOffset: '3',
              abortedTransactions: [{ producerId: '9', firstOffset: '40' }],
              preferredReadReplica: -1,
            },
            {
              partitionIndex: 1,
              errorCode: 0,
              highWatermark: '0',
              lastStableOffset: '0',
              logStartOffset: '0',
              abortedTransactions: [],
              preferredReadReplica: -1,
            },
          ],
        },
      ],
    });
  }
  for (const v of [5, 6, 7, 8, 9]) {
    add('ListOffsets', `listOffsetsV${v}`, listOffsetsResponse, v, listOffsetsValue, {
      throttleTimeMs: 3,
      topics: [
        {
          name: 'topic-a',
          partitions: listOffsetsValue.topics[0].partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: 0,
            timestamp: String(p.timestamp),
            offset: String(p.offset),
            leaderEpoch: p.leaderEpoch,
          })),
        },
      ],
    });
  }
  add('CreateTopics', 'createTopicsV7', createTopicsResponse, 7, createTopicsValue, {
    throttleTimeMs: 4,
    topics: createTopicsValue.topics.map((t) => ({ ...t, topicId: dashed(t.topicId) })),
  });
  add('DeleteTopics', 'deleteTopicsV6', deleteTopicsResponse, 6, deleteTopicsValue, {
    throttleTimeMs: 6,
    responses: deleteTopicsValue.responses.map((t) => ({ ...t, topicId: dashed(t.topicId) })),
  });
  return cases;
}

/** A response with a tagged field set, for the client-limitation test below. */
const TAGGED_CASES = [
  {
    module: 'produceV10',
    apiKey: 0,
    version: 10,
    hex: produceResponse
      .encode(
        {
          ...produceValue,
          responses: produceValue.responses.map((r) => ({
            ...r,
            partitionResponses: r.partitionResponses.map((p) => ({ ...p, currentLeader: { leaderId: 1, leaderEpoch: 3 } })),
          })),
        },
        10,
      )
      .toString('hex'),
  },
];

describe('our responses decode with @platformatic/kafka', () => {
  const cases = pltCases();
  let results: Obj[] = [];

  beforeAll(() => {
    results = platformaticParse([...cases, ...TAGGED_CASES]);
  });

  test.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const got = results[i];
    expect(got.error).toBeUndefined();
    expect(got.response).toMatchObject(cases[i].expected);
  });

  test('a Fetch v12+ partition with records: the client reads our batch', () => {
    const i = cases.findIndex((c) => c.name === 'Fetch v17');
    const records = results[i].response.responses[0].partitions[0].records;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ firstOffset: '40', lastOffsetDelta: 1, firstTimestamp: String(TS) });
    expect(records[0].records.map((r: Obj) => [r.key.hex, r.value.hex])).toEqual([
      [Buffer.from('k1').toString('hex'), Buffer.from('v1').toString('hex')],
      [Buffer.from('k2').toString('hex'), Buffer.from('v2').toString('hex')],
    ]);
  });

  test('documented client limitation: it cannot read a non-empty tagged-field section', () => {
    // The client reads a tagged-field section as a zigzag varint length to skip, so any tagged field
    // we send (here Produce v10 currentLeader) derails its parse. We therefore never write tagged
    // fields at their default, default-valued structs included.
    const [withTag] = results.slice(cases.length);
    // Should the client learn to read tagged fields, this fails: then drop this test.
    expect(withTag.error).toMatch(/out of bounds/i);
  });
});
