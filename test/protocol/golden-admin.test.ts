/**
 * Golden bytes and differential decoding for the admin APIs: CreatePartitions,
 * DeleteRecords (kafkajs's request encoders, v0-v1, decoded by our codec and
 * re-encoded to the same bytes; our responses read by kafkajs's decoders) and
 * CreatePartitions v1-v3, DeleteRecords v2, DescribeCluster v0-v1,
 * DescribeLogDirs v2-v4 and OffsetForLeaderEpoch v4 responses read by
 * @platformatic/kafka's parsers.
 */
import { MessageCodec } from '../../src/protocol/codec';
import {
  createPartitionsRequest,
  createPartitionsResponse,
  deleteRecordsRequest,
  deleteRecordsResponse,
  describeClusterResponse,
  describeLogDirsResponse,
  offsetForLeaderEpochResponse,
} from '../../src/protocol/messages';
import { Reader } from '../../src/protocol/primitives';
import { MessageSpec } from '../../src/protocol/schema';
import { Obj, PltCases, encode, kafkajsDecode, platformaticParse, throttle } from './golden-helpers';

/** Encodes with a kafkajs request builder; our codec must decode it and re-encode the same bytes. */
async function fromKafkajs(api: string, version: number, args: Obj, codec: MessageCodec<MessageSpec>): Promise<Obj> {
  const req = require(`kafkajs/src/protocol/requests/${api}/v${version}/request`)(args);
  const bytes: Buffer = (await req.encode()).buffer;
  const r = new Reader(bytes);
  const value = codec.decode(r, version) as Obj;
  expect(r.remaining).toBe(0);
  expect(codec.encode(value, version).toString('hex')).toBe(bytes.toString('hex'));
  return value;
}

describe('kafkajs requests', () => {
  test.each([0, 1])('CreatePartitions v%i: counts, assignments (none is null), validateOnly, timeout', async (v) => {
    const value = await fromKafkajs(
      'createPartitions',
      v,
      { topicPartitions: [{ topic: 'a', count: 4 }, { topic: 'b', count: 3, assignments: [[1], [1]] }], validateOnly: true, timeout: 1234 },
      createPartitionsRequest,
    );
    expect(value).toEqual({
      topics: [
        { name: 'a', count: 4, assignments: null },
        { name: 'b', count: 3, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] },
      ],
      timeoutMs: 1234,
      validateOnly: true,
    });
  });

  test.each([0, 1])('DeleteRecords v%i: offsets (-1 is the high watermark) and timeout', async (v) => {
    const value = await fromKafkajs(
      'deleteRecords',
      v,
      { topics: [{ topic: 't', partitions: [{ partition: 0, offset: '25' }, { partition: 3, offset: '-1' }] }], timeout: 999 },
      deleteRecordsRequest,
    );
    expect(value).toEqual({
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 25n }, { partitionIndex: 3, offset: -1n }] }],
      timeoutMs: 999,
    });
  });
});

describe('kafkajs reads our responses', () => {
  test.each([0, 1])('CreatePartitions v%i', async (v) => {
    const buf = encode(
      createPartitionsResponse,
      { throttleTimeMs: 5, results: [{ name: 'a', errorCode: 0, errorMessage: null }, { name: 'b', errorCode: 37, errorMessage: 'Topic already has 3 partition(s).' }] },
      v,
    );
    expect(await kafkajsDecode('createPartitions', v)(buf)).toEqual({
      ...throttle(v, 1, 5),
      topicErrors: [
        { topic: 'a', errorCode: 0, errorMessage: null },
        { topic: 'b', errorCode: 37, errorMessage: 'Topic already has 3 partition(s).' },
      ],
    });
  });

  test.each([0, 1])('DeleteRecords v%i', async (v) => {
    const buf = encode(
      deleteRecordsResponse,
      { throttleTimeMs: 7, topics: [{ name: 't', partitions: [{ partitionIndex: 0, lowWatermark: 25n, errorCode: 0 }, { partitionIndex: 1, lowWatermark: -1n, errorCode: 1 }] }] },
      v,
    );
    const { decode } = require(`kafkajs/src/protocol/requests/deleteRecords/v${v}/response`)({ topics: [] });
    expect(await decode(buf)).toEqual({
      ...throttle(v, 1, 7),
      topics: [{ topic: 't', partitions: [{ partition: 0, lowWatermark: 25n, errorCode: 0 }, { partition: 1, lowWatermark: -1n, errorCode: 1 }] }],
    });
  });
});

describe('@platformatic/kafka reads our responses', () => {
  const { add, cases } = new PltCases();
  for (const v of [1, 2, 3]) {
    add('CreatePartitions', `createPartitionsV${v}`, createPartitionsResponse, v, { throttleTimeMs: 0, results: [{ name: 'a', errorCode: 0, errorMessage: null }] }, {
      throttleTimeMs: 0,
      results: [{ name: 'a', errorCode: 0, errorMessage: null }],
    });
  }
  add(
    'DeleteRecords',
    'deleteRecordsV2',
    deleteRecordsResponse,
    2,
    { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, lowWatermark: 40n, errorCode: 0 }] }] },
    { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 2, lowWatermark: '40', errorCode: 0 }] }] },
  );
  const cluster = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    endpointType: 1,
    clusterId: 'c-1',
    controllerId: 1,
    brokers: [{ brokerId: 1, host: 'localhost', port: 9092, rack: null, isFenced: false }],
    clusterAuthorizedOperations: 8096,
  };
  for (const v of [0, 1]) {
    add('DescribeCluster', `describeClusterV${v}`, describeClusterResponse, v, cluster, {
      errorCode: 0,
      clusterId: 'c-1',
      controllerId: 1,
      brokers: [{ brokerId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterAuthorizedOperations: 8096,
    });
  }
  const dirs = {
    throttleTimeMs: 0,
    errorCode: 0,
    results: [
      {
        errorCode: 0,
        logDir: '/data',
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, partitionSize: 1234n, offsetLag: 0n, isFutureKey: false }] }],
        totalBytes: 1000000n,
        usableBytes: 500000n,
      },
    ],
  };
  for (const v of [2, 3, 4]) {
    add('DescribeLogDirs', `describeLogDirsV${v}`, describeLogDirsResponse, v, dirs, {
      results: [
        {
          errorCode: 0,
          logDir: '/data',
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, partitionSize: '1234', offsetLag: '0', isFutureKey: false }] }],
          ...(v >= 4 ? { totalBytes: '1000000', usableBytes: '500000' } : {}),
        },
      ],
    });
  }
  add(
    'OffsetForLeaderEpoch',
    'offsetForLeaderEpochV4',
    offsetForLeaderEpochResponse,
    4,
    { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 77n }] }] },
    { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: '77' }] }] },
  );

  let results: Obj[];
  beforeAll(() => {
    results = platformaticParse(cases);
  });

  test.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    expect(results[i].error).toBeUndefined();
    expect(results[i].response).toMatchObject(cases[i].expected);
  });
});
