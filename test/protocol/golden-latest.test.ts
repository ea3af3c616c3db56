/**
 * Golden bytes for the versions no client on this machine has (Kafka 4.1-4.3:
 * Produce 13, Fetch 18, ListOffsets 10-11, Metadata 13, OffsetCommit 10,
 * OffsetFetch 10, DescribeGroups 6). The bytes are assembled here by hand,
 * field by field in the order of Kafka's JSON specs, with a byte builder that
 * shares nothing with our codec; our codec must write exactly them and read
 * them back to the same values.
 */
import { MessageCodec } from '../../src/protocol/codec';
import {
  describeGroupsResponse,
  fetchRequest,
  listOffsetsRequest,
  metadataResponse,
  offsetCommitRequest,
  offsetCommitResponse,
  offsetFetchRequest,
  offsetFetchResponse,
  produceRequest,
  produceResponse,
} from '../../src/protocol/messages';
import { Reader, uuidToString } from '../../src/protocol/primitives';
import { InputOf, MessageSpec } from '../../src/protocol/schema';

// ------------------------------------------------ an independent byte builder
const i8 = (n: number) => Buffer.from([n & 0xff]);
const i16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
/** Unsigned varint (small values only: one byte each below 128). */
const uv = (n: number) => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};
/** COMPACT_STRING / COMPACT_NULLABLE_STRING: length + 1, then UTF-8. */
const cs = (s: string | null) => (s === null ? uv(0) : Buffer.concat([uv(Buffer.byteLength(s) + 1), Buffer.from(s)]));
/** A compact array header for n elements. */
const arr = (n: number) => uv(n + 1);
const NO_TAGS = uv(0);
const bytes = (...parts: Buffer[]) => Buffer.concat(parts);

const ID_A = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const ID_B = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const idA = uuidToString(ID_A);
const idB = uuidToString(ID_B);

function golden<S extends MessageSpec>(c: MessageCodec<S>, version: number, value: InputOf<S>, expected: Buffer): void {
  const buf = c.encode(value, version);
  expect(buf.toString('hex')).toBe(expected.toString('hex'));
  const r = new Reader(expected);
  const back = c.decode(r, version);
  expect(r.remaining).toBe(0);
  expect(back).toMatchObject(value as object);
}

test('Produce v13 request and response name topics by id (no name on the wire)', () => {
  const records = Buffer.from('0102030405', 'hex'); // opaque here: COMPACT_RECORDS is length + 1, then the bytes
  golden(
    produceRequest,
    13,
    { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ topicId: idA, partitionData: [{ index: 2, records }] }] },
    bytes(cs(null), i16(-1), i32(30000), arr(1), ID_A, arr(1), i32(2), uv(records.length + 1), records, NO_TAGS, NO_TAGS, NO_TAGS),
  );
  golden(
    produceResponse,
    13,
    {
      responses: [{ topicId: idA, partitionResponses: [{ index: 2, errorCode: 0, baseOffset: 7n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null }] }],
      throttleTimeMs: 0,
    },
    bytes(arr(1), ID_A, arr(1), i32(2), i16(0), i64(7n), i64(-1n), i64(0n), arr(0), cs(null), NO_TAGS, NO_TAGS, i32(0), NO_TAGS),
  );
  // v12 is v11 on the wire: the name, no id.
  golden(
    produceRequest,
    12,
    { transactionalId: 'tx', acks: 1, timeoutMs: 5, topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }] },
    bytes(cs('tx'), i16(1), i32(5), arr(1), cs('t'), arr(1), i32(0), uv(0), NO_TAGS, NO_TAGS, NO_TAGS),
  );
});

test('Fetch v18: the follower high watermark is tag 1 of a partition, written only when set', () => {
  const head = bytes(i32(500), i32(1), i32(1 << 20), i8(0), i32(0), i32(-1));
  const partition = (tags: Buffer) => bytes(i32(0), i32(-1), i64(42n), i32(-1), i64(-1n), i32(1 << 20), tags);
  const body = (tags: Buffer) => bytes(head, arr(1), ID_A, arr(1), partition(tags), NO_TAGS, arr(0), cs(''), NO_TAGS);
  const value = (highWatermark?: bigint) => ({
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topicId: idA, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 42n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, highWatermark }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  golden(fetchRequest, 18, value(9223372036854775807n), body(NO_TAGS));
  golden(fetchRequest, 18, value(1234n), body(bytes(uv(1), uv(1), uv(8), i64(1234n))));
});

test('ListOffsets v10-11 end with timeoutMs', () => {
  for (const v of [10, 11]) {
    golden(
      listOffsetsRequest,
      v,
      { replicaId: -1, isolationLevel: 1, topics: [{ name: 't', partitions: [{ partitionIndex: 3, currentLeaderEpoch: -1, timestamp: -6n }] }], timeoutMs: 15000 },
      bytes(i32(-1), i8(1), arr(1), cs('t'), arr(1), i32(3), i32(-1), i64(-6n), NO_TAGS, NO_TAGS, i32(15000), NO_TAGS),
    );
  }
});

test('Metadata v13 response ends with the top-level errorCode', () => {
  golden(
    metadataResponse,
    13,
    {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: [],
      errorCode: 0,
    },
    bytes(i32(0), arr(1), i32(1), cs('h'), i32(9092), cs(null), NO_TAGS, cs('c'), i32(1), arr(0), i16(0), NO_TAGS),
  );
});

test('OffsetCommit v10 names topics by id in the request and the response', () => {
  golden(
    offsetCommitRequest,
    10,
    {
      groupId: 'g',
      generationIdOrMemberEpoch: 4,
      memberId: 'm',
      groupInstanceId: null,
      topics: [{ topicId: idA, partitions: [{ partitionIndex: 1, committedOffset: 99n, committedLeaderEpoch: 2, committedMetadata: 'md' }] }],
    },
    bytes(cs('g'), i32(4), cs('m'), cs(null), arr(1), ID_A, arr(1), i32(1), i64(99n), i32(2), cs('md'), NO_TAGS, NO_TAGS, NO_TAGS),
  );
  golden(
    offsetCommitResponse,
    10,
    { throttleTimeMs: 0, topics: [{ topicId: idB, partitions: [{ partitionIndex: 1, errorCode: 100 }] }] },
    bytes(i32(0), arr(1), ID_B, arr(1), i32(1), i16(100), NO_TAGS, NO_TAGS, NO_TAGS),
  );
});

test("OffsetFetch v10 names each group's topics by id in the request and the response", () => {
  golden(
    offsetFetchRequest,
    10,
    {
      groups: [
        { groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ topicId: idA, partitionIndexes: [0, 5] }] },
        { groupId: 'h', memberId: 'm', memberEpoch: 3, topics: null },
      ],
      requireStable: true,
    },
    bytes(
      arr(2),
      cs('g'),
      cs(null),
      i32(-1),
      arr(1),
      ID_A,
      arr(2),
      i32(0),
      i32(5),
      NO_TAGS,
      NO_TAGS,
      cs('h'),
      cs('m'),
      i32(3),
      uv(0), // null topics: every committed offset of the group
      NO_TAGS,
      i8(1),
      NO_TAGS,
    ),
  );
  golden(
    offsetFetchResponse,
    10,
    {
      throttleTimeMs: 0,
      groups: [
        {
          groupId: 'g',
          topics: [{ topicId: idA, partitions: [{ partitionIndex: 5, committedOffset: 12n, committedLeaderEpoch: 1, metadata: '', errorCode: 0 }] }],
          errorCode: 0,
        },
      ],
    },
    bytes(i32(0), arr(1), cs('g'), arr(1), ID_A, arr(1), i32(5), i64(12n), i32(1), cs(''), i16(0), NO_TAGS, NO_TAGS, i16(0), NO_TAGS, NO_TAGS),
  );
});

test('DescribeGroups v6 response carries an errorMessage after each errorCode', () => {
  golden(
    describeGroupsResponse,
    6,
    {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 69,
          errorMessage: 'Group x not found.',
          groupId: 'x',
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations: -2147483648,
        },
      ],
    },
    bytes(i32(0), arr(1), i16(69), cs('Group x not found.'), cs('x'), cs('Dead'), cs(''), cs(''), arr(0), i32(-2147483648), NO_TAGS, NO_TAGS),
  );
});
