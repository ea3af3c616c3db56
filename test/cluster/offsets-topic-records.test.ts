import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GroupMetadataRecordValue,
  OffsetCommitRecordValue,
  buildOffsetsTopicBatch,
  encodeGroupMetadataValue,
  encodeOffsetCommitValue,
  groupMetadataRecord,
  offsetCommitRecord,
  offsetsTopicPartitionFor,
  parseOffsetsTopicRecord,
  readOffsetsTopicBatch,
} from '../../src/cluster/offsets-topic-records';
import { MalformedError } from '../../src/protocol/primitives';
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, Compression, buildRecordBatch, computeBatchCrc } from '../../src/protocol/record-batch';

/** Concatenates hex strings (spaces allowed) into bytes. */
function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
}
/** Hex of an ASCII string, to keep the expected bytes readable. */
function ascii(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

function expectMalformed(f: () => unknown): void {
  expect(f).toThrow(MalformedError);
}

// ------------------------------------------------------------- partitions

describe('offsetsTopicPartitionFor', () => {
  // Kafka: Utils.abs(groupId.hashCode()) % partitions, where Utils.abs(n) is
  // (n == Integer.MIN_VALUE) ? 0 : Math.abs(n) (clients/.../utils/Utils.java).
  // Hash values worked out by hand below; all were also checked with
  // Java 17's String.hashCode.
  test.each([
    // "" hashes to 0.
    ['', 50, 0],
    // "a": 'a' = 97; 97 % 50 = 47, 97 % 7 = 6.
    ['a', 50, 47],
    ['a', 7, 6],
    // "ab": 97*31 + 98 = 3105; 3105 % 50 = 5.
    ['ab', 50, 5],
    // "Aa" and "BB" collide: 65*31 + 97 = 66*31 + 66 = 2112; 2112 % 50 = 12.
    ['Aa', 50, 12],
    ['BB', 50, 12],
    // "my-group" hashes to -1906497762 (int32 overflow). Kafka takes Math.abs:
    // 1906497762 % 50 = 12. (Masking with 0x7fffffff instead, as Utils.toPositive
    // does for record keys, would give 240985886 % 50 = 36: the wrong partition.)
    ['my-group', 50, 12],
    ['my-group', 7, 1],
    // "polygenelubricants" hashes to exactly Integer.MIN_VALUE; Utils.abs gives 0.
    ['polygenelubricants', 50, 0],
    ['polygenelubricants', 7, 0],
    // Non-ASCII: "groupé" (é = U+00E9, one code unit) hashes to -1237460406 -> 6.
    ['groupé', 50, 6],
    // "グループ" (four BMP code units) hashes to 383750870 -> 20.
    ['グループ', 50, 20],
    // U+1F600 is two UTF-16 code units, D83D DE00: 55357*31 + 56832 = 1772899;
    // 1772899 % 50 = 49. (Hashing the code point 128512 instead would give 12.)
    ['\u{1F600}', 50, 49],
    // The group of the captured records below: -1180938146 -> 46.
    ['kafkesc-devcluster-group-id', 50, 46],
  ])('%j over %i partitions is %i', (group, partitions, expected) => {
    expect(offsetsTopicPartitionFor(group, partitions)).toBe(expected);
  });

  test('one partition holds every group', () => {
    for (const g of ['', 'a', 'my-group', 'polygenelubricants']) expect(offsetsTopicPartitionFor(g, 1)).toBe(0);
  });

  test.each([0, -1, 1.5, NaN])('a partition count of %p is refused', (n) => {
    expect(() => offsetsTopicPartitionFor('g', n)).toThrow(RangeError);
  });
});

// ----------------------------------------------------------- golden bytes

const commitValue: OffsetCommitRecordValue = {
  offset: 42n,
  leaderEpoch: 5,
  metadata: 'm',
  commitTimestamp: 1700000000000n, // 0x0000018bcfe56800
  expireTimestamp: -1n,
};

const twoMembers: GroupMetadataRecordValue = {
  protocolType: 'consumer',
  generation: 4,
  protocol: 'range',
  leader: 'm-1',
  currentStateTimestamp: 1700000000000n,
  members: [
    {
      memberId: 'm-1',
      groupInstanceId: null,
      clientId: 'c1',
      clientHost: '/10.0.0.1',
      rebalanceTimeout: 300000,
      sessionTimeout: 45000,
      subscription: hex('0102'),
      assignment: hex('03'),
    },
    {
      memberId: 'm-2',
      groupInstanceId: 'i-2',
      clientId: 'c2',
      clientHost: '/10.0.0.2',
      rebalanceTimeout: 60000,
      sessionTimeout: 10000,
      subscription: Buffer.alloc(0),
      assignment: hex('aabb'),
    },
  ],
};

describe('golden bytes, assembled from the specs', () => {
  const offsetKey = hex(
    '0001', // key version 1: OffsetCommitKey
    '0002', ascii('g1'), // group: int16 length 2, "g1"
    '0001', ascii('t'), // topic: int16 length 1, "t"
    '00000003', // partition: int32 3
  );

  test('offset commit: key v1, value v3 (no expire timestamp)', () => {
    const rec = offsetCommitRecord('g1', 't', 3, commitValue);
    expect(rec.key.toString('hex')).toBe(offsetKey.toString('hex'));
    expect(rec.value!.toString('hex')).toBe(
      hex(
        '0003', // value version 3
        '000000000000002a', // offset: int64 42
        '00000005', // leaderEpoch: int32 5 (v3+)
        '0001', ascii('m'), // metadata: int16 length 1, "m"
        '0000018bcfe56800', // commitTimestamp: int64 1700000000000
        // no expireTimestamp (v1 only)
      ).toString('hex'),
    );
  });

  test('offset commit with an expire timestamp: value v1, which has no leader epoch', () => {
    const rec = offsetCommitRecord('g1', 't', 3, { ...commitValue, expireTimestamp: 1700000060000n });
    expect(rec.key.toString('hex')).toBe(offsetKey.toString('hex'));
    expect(rec.value!.toString('hex')).toBe(
      hex(
        '0001', // value version 1
        '000000000000002a', // offset 42
        '0001', ascii('m'), // metadata "m"
        '0000018bcfe56800', // commitTimestamp 1700000000000
        '0000018bcfe65260', // expireTimestamp 1700000060000
      ).toString('hex'),
    );
  });

  test('offset commit value v4 (flexible; Kafka reads it but does not write it yet)', () => {
    expect(encodeOffsetCommitValue(commitValue, 4).toString('hex')).toBe(
      hex(
        '0004', // value version 4: a plain int16, not a varint
        '000000000000002a', // offset 42
        '00000005', // leaderEpoch 5
        '02', ascii('m'), // metadata: compact string, uvarint(length + 1) = 2
        '0000018bcfe56800', // commitTimestamp
        '00', // tagged fields: none
      ).toString('hex'),
    );
  });

  test('group metadata: key v2, value v3 with two members', () => {
    const rec = groupMetadataRecord('group', twoMembers);
    expect(rec.key.toString('hex')).toBe(
      hex(
        '0002', // key version 2: GroupMetadataKey
        '0005', ascii('group'), // group: int16 length 5, "group"
      ).toString('hex'),
    );
    expect(rec.value!.toString('hex')).toBe(
      hex(
        '0003', // value version 3
        '0008', ascii('consumer'), // protocolType
        '00000004', // generation 4
        '0005', ascii('range'), // protocol (nullable string)
        '0003', ascii('m-1'), // leader (nullable string)
        '0000018bcfe56800', // currentStateTimestamp (v2+)
        '00000002', // members: int32 count 2
        // member 1
        '0003', ascii('m-1'), // memberId
        'ffff', // groupInstanceId (v3+): null, length -1
        '0002', ascii('c1'), // clientId
        '0009', ascii('/10.0.0.1'), // clientHost
        '000493e0', // rebalanceTimeout 300000 (v1+)
        '0000afc8', // sessionTimeout 45000
        '00000002', '0102', // subscription: int32 length 2
        '00000001', '03', // assignment: int32 length 1
        // member 2
        '0003', ascii('m-2'), // memberId
        '0003', ascii('i-2'), // groupInstanceId "i-2"
        '0002', ascii('c2'), // clientId
        '0009', ascii('/10.0.0.2'), // clientHost
        '0000ea60', // rebalanceTimeout 60000
        '00002710', // sessionTimeout 10000
        '00000000', // subscription: empty
        '00000002', 'aabb', // assignment
      ).toString('hex'),
    );
  });

  test('group metadata value v4 (flexible) with the same two members', () => {
    expect(encodeGroupMetadataValue(twoMembers, 4).toString('hex')).toBe(
      hex(
        '0004', // value version 4
        '09', ascii('consumer'), // compact string: 8 + 1
        '00000004', // generation
        '06', ascii('range'), // compact nullable string
        '04', ascii('m-1'),
        '0000018bcfe56800', // currentStateTimestamp
        '03', // members: compact array, 2 + 1
        '04', ascii('m-1'),
        '00', // groupInstanceId null: compact length 0
        '03', ascii('c1'),
        '0a', ascii('/10.0.0.1'),
        '000493e0',
        '0000afc8',
        '03', '0102', // subscription: compact bytes, 2 + 1
        '02', '03', // assignment
        '00', // member 1 tagged fields: none
        '04', ascii('m-2'),
        '04', ascii('i-2'),
        '03', ascii('c2'),
        '0a', ascii('/10.0.0.2'),
        '0000ea60',
        '00002710',
        '01', // subscription: empty, compact length 0 + 1
        '03', 'aabb',
        '00', // member 2 tagged fields
        '00', // top-level tagged fields
      ).toString('hex'),
    );
  });
});

// -------------------------------------------------- bytes written by Kafka

interface Captured {
  key: string;
  value: string;
}
const captured = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'consumer-offsets-captured.json'), 'utf8')) as Record<
  string,
  Captured
>;

describe('records a Kafka 3.x broker wrote (fixtures/consumer-offsets-captured.json)', () => {
  test('an offset commit: parsed, and written back byte for byte', () => {
    const c = captured.offsetCommit03;
    const rec = parseOffsetsTopicRecord(hex(c.key), hex(c.value));
    const value: OffsetCommitRecordValue = {
      offset: 106n,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: 1672788047244n,
      expireTimestamp: -1n,
    };
    expect(rec).toEqual({ kind: 'offset', group: 'kafkesc-devcluster-group-id', topic: 't01', partition: 0, value });
    const ours = offsetCommitRecord('kafkesc-devcluster-group-id', 't01', 0, value);
    expect(ours.key.toString('hex')).toBe(c.key);
    expect(ours.value!.toString('hex')).toBe(c.value);
  });

  test('a group with one member: parsed, and written back byte for byte', () => {
    const c = captured.groupMetadata01;
    const rec = parseOffsetsTopicRecord(hex(c.key), hex(c.value));
    const memberId = 'rdkafka-9f4fc1b0-1d7d-4471-90e8-e0f64f3c9d9f';
    expect(rec.kind).toBe('group');
    if (rec.kind !== 'group') return;
    expect(rec.group).toBe('kafkesc-devcluster-group-id');
    const v = rec.value!;
    expect(v).toMatchObject({
      protocolType: 'consumer',
      generation: 7,
      protocol: 'range',
      leader: memberId,
      currentStateTimestamp: 1672870956437n,
    });
    expect(v.members).toHaveLength(1);
    expect(v.members[0]).toMatchObject({
      memberId,
      groupInstanceId: null,
      clientId: 'rdkafka',
      clientHost: '/172.18.0.1',
      rebalanceTimeout: 300000,
      sessionTimeout: 45000,
    });
    // ConsumerProtocolSubscription v1 for topic "t01"; assignment v0 of t01 partitions 0-2.
    expect(v.members[0].subscription.toString('hex')).toBe('000100000001000374303100000000' + '00000000');
    expect(v.members[0].assignment.toString('hex')).toBe('0000' + '00000001' + '0003743031' + '00000003' + '000000000000000100000002' + '00000000');
    const ours = groupMetadataRecord(rec.group, v);
    expect(ours.key.toString('hex')).toBe(c.key);
    expect(ours.value!.toString('hex')).toBe(c.value);
  });

  test('an emptied group (null protocol and leader, no members): parsed, and written back byte for byte', () => {
    const c = captured.groupMetadata05;
    const rec = parseOffsetsTopicRecord(hex(c.key), hex(c.value));
    const value: GroupMetadataRecordValue = {
      protocolType: 'consumer',
      generation: 8,
      protocol: null,
      leader: null,
      currentStateTimestamp: 1672870964792n,
      members: [],
    };
    expect(rec).toEqual({ kind: 'group', group: 'kafkesc-devcluster-group-id', value });
    expect(groupMetadataRecord('kafkesc-devcluster-group-id', value).value!.toString('hex')).toBe(c.value);
  });

  test('an offset commit value v0 (test vector from linkedin/Burrow kafka_client_test.go)', () => {
    const key = hex('0001', '0009', ascii('testgroup'), '0009', ascii('testtopic'), '0000000b');
    const value = hex('0000', '00000000000020b4', '0008', ascii('testdata'), '0000000000000665');
    expect(parseOffsetsTopicRecord(key, value)).toEqual({
      kind: 'offset',
      group: 'testgroup',
      topic: 'testtopic',
      partition: 11,
      value: { offset: 8372n, leaderEpoch: -1, metadata: 'testdata', commitTimestamp: 1637n, expireTimestamp: -1n },
    });
  });
});

// -------------------------------------------------- every version round trip

describe('every value version round-trips', () => {
  const full: OffsetCommitRecordValue = {
    offset: 9007199254740993n, // above 2^53: must stay exact
    leaderEpoch: 17,
    metadata: 'métadonnées',
    commitTimestamp: 1700000000123n,
    expireTimestamp: 1700086400123n,
  };
  // What each version keeps: leaderEpoch from v3, expireTimestamp only in v1.
  test.each([
    [0, { leaderEpoch: -1, expireTimestamp: -1n }],
    [1, { leaderEpoch: -1 }],
    [2, { leaderEpoch: -1, expireTimestamp: -1n }],
    [3, { expireTimestamp: -1n }],
    [4, { expireTimestamp: -1n }],
  ])('OffsetCommitValue v%i', (version, lost) => {
    const bytes = encodeOffsetCommitValue(full, version);
    expect(bytes.readInt16BE(0)).toBe(version);
    for (const keyVersion of [0, 1]) {
      const key = hex(keyVersion === 0 ? '0000' : '0001', '0001', ascii('g'), '0001', ascii('t'), '00000000');
      const rec = parseOffsetsTopicRecord(key, bytes);
      expect(rec).toEqual({ kind: 'offset', group: 'g', topic: 't', partition: 0, value: { ...full, ...lost } });
    }
  });

  const members = twoMembers.members.map((m) => ({ ...m, groupInstanceId: 'static-' + m.memberId }));
  const group: GroupMetadataRecordValue = { ...twoMembers, protocol: null, leader: null, members };
  test.each([
    // v0: no currentStateTimestamp, groupInstanceId or rebalanceTimeout
    [0, { currentStateTimestamp: -1n }, { groupInstanceId: null, rebalanceTimeout: -1 }],
    [1, { currentStateTimestamp: -1n }, { groupInstanceId: null }],
    [2, {}, { groupInstanceId: null }],
    [3, {}, {}],
    [4, {}, {}],
  ])('GroupMetadataValue v%i', (version, lostTop, lostMember) => {
    const bytes = encodeGroupMetadataValue(group, version);
    expect(bytes.readInt16BE(0)).toBe(version);
    const rec = parseOffsetsTopicRecord(groupMetadataRecord('g', null).key, bytes);
    const expected = { ...group, ...lostTop, members: group.members.map((m) => ({ ...m, ...lostMember })) };
    expect(rec).toEqual({ kind: 'group', group: 'g', value: expected });
  });

  test('parsed member bytes are copies, not views of the input', () => {
    const value = groupMetadataRecord('g', twoMembers).value!;
    const rec = parseOffsetsTopicRecord(groupMetadataRecord('g', null).key, value);
    value.fill(0);
    if (rec.kind !== 'group') throw new Error(rec.kind);
    expect(rec.value!.members[1].assignment.toString('hex')).toBe('aabb');
  });

  test('flexible v4 values skip tagged fields they do not know, at top level and in members', () => {
    const offsetV4 = hex(
      '0004',
      '000000000000002a', // offset 42
      'ffffffff', // leaderEpoch -1
      '01', // metadata: "" (compact 0 + 1)
      '0000018bcfe56800',
      '02', // two tagged fields
      '00', '03', 'aabbcc', // tag 0, 3 bytes
      '07', '01', '00', // tag 7, 1 byte
    );
    const key = offsetCommitRecord('g', 't', 0, null).key;
    expect(parseOffsetsTopicRecord(key, offsetV4)).toEqual({
      kind: 'offset',
      group: 'g',
      topic: 't',
      partition: 0,
      value: { offset: 42n, leaderEpoch: -1, metadata: '', commitTimestamp: 1700000000000n, expireTimestamp: -1n },
    });

    const groupV4 = hex(
      '0004',
      '09', ascii('consumer'),
      '00000001',
      '00', // protocol null
      '00', // leader null
      'ffffffffffffffff', // currentStateTimestamp -1
      '02', // one member
      '02', ascii('m'),
      '00', // groupInstanceId null
      '02', ascii('c'),
      '02', ascii('h'),
      '00007530', // rebalanceTimeout 30000
      '00002710', // sessionTimeout 10000
      '01', // subscription empty
      '02', 'ff', // assignment
      '01', '05', '02', 'beef', // member: one tagged field, tag 5, 2 bytes
      '01', '00', '00', // top level: one tagged field, tag 0, empty
    );
    expect(parseOffsetsTopicRecord(groupMetadataRecord('g', null).key, groupV4)).toEqual({
      kind: 'group',
      group: 'g',
      value: {
        protocolType: 'consumer',
        generation: 1,
        protocol: null,
        leader: null,
        currentStateTimestamp: -1n,
        members: [
          {
            memberId: 'm',
            groupInstanceId: null,
            clientId: 'c',
            clientHost: 'h',
            rebalanceTimeout: 30000,
            sessionTimeout: 10000,
            subscription: Buffer.alloc(0),
            assignment: hex('ff'),
          },
        ],
      },
    });
  });
});

// ------------------------------------------------ tombstones, unknown, errors

describe('tombstones', () => {
  test('an offset commit tombstone has the same key and a null value', () => {
    const rec = offsetCommitRecord('g1', 't', 3, null);
    expect(rec.value).toBeNull();
    expect(rec.key).toEqual(offsetCommitRecord('g1', 't', 3, commitValue).key);
    expect(parseOffsetsTopicRecord(rec.key, null)).toEqual({ kind: 'offset', group: 'g1', topic: 't', partition: 3, value: null });
  });
  test('a group metadata tombstone', () => {
    const rec = groupMetadataRecord('group', null);
    expect(rec.value).toBeNull();
    expect(parseOffsetsTopicRecord(rec.key, null)).toEqual({ kind: 'group', group: 'group', value: null });
  });
});

describe('unknown key versions', () => {
  // 3-15: KIP-848 consumer-group and share-group records; later ones, and
  // negative versions, are unknown to Kafka too. Their values are not read.
  test.each([3, 8, 15, 16, 0x7fff, -1, -32768])('key version %i is unknown', (v) => {
    const key = Buffer.alloc(6);
    key.writeInt16BE(v, 0);
    expect(parseOffsetsTopicRecord(key, hex('00'))).toEqual({ kind: 'unknown', keyVersion: v });
    expect(parseOffsetsTopicRecord(key, null)).toEqual({ kind: 'unknown', keyVersion: v });
  });
});

describe('malformed input throws MalformedError', () => {
  const offset = offsetCommitRecord('group-1', 'topic', 7, commitValue);
  const group = groupMetadataRecord('group-1', twoMembers);
  const cases: [string, Buffer, Buffer][] = [
    ['offset key', offset.key, offset.value!],
    ['offset value v1', offset.key, encodeOffsetCommitValue(commitValue, 1)],
    ['offset value v3', offset.key, offset.value!],
    ['offset value v4', offset.key, encodeOffsetCommitValue(commitValue, 4)],
    ['group key', group.key, group.value!],
    ['group value v0', group.key, encodeGroupMetadataValue(twoMembers, 0)],
    ['group value v3', group.key, group.value!],
    ['group value v4', group.key, encodeGroupMetadataValue(twoMembers, 4)],
  ];

  test.each(cases)('%s cut at every length', (what, key, value) => {
    const cutKey = what.endsWith('key');
    const whole = cutKey ? key : value;
    for (let n = 0; n < whole.length; n++) {
      const part = whole.subarray(0, n);
      expectMalformed(() => (cutKey ? parseOffsetsTopicRecord(part, value) : parseOffsetsTopicRecord(key, part)));
    }
  });

  test('value versions beyond 4 or negative', () => {
    for (const v of [5, 100, -1]) {
      const value = Buffer.from(offset.value!);
      value.writeInt16BE(v, 0);
      expectMalformed(() => parseOffsetsTopicRecord(offset.key, value));
      const gvalue = Buffer.from(group.value!);
      gvalue.writeInt16BE(v, 0);
      expectMalformed(() => parseOffsetsTopicRecord(group.key, gvalue));
    }
  });

  test('a null string where the spec has a non-nullable one', () => {
    expectMalformed(() => parseOffsetsTopicRecord(hex('0001', 'ffff', '0001', ascii('t'), '00000000'), null));
    expectMalformed(() => parseOffsetsTopicRecord(hex('0002', 'ffff'), null));
    // metadata null in an OffsetCommitValue v3
    expectMalformed(() => parseOffsetsTopicRecord(offset.key, hex('0003', '0000000000000001', 'ffffffff', 'ffff', '0000000000000000')));
  });

  test('a member count larger than the bytes that follow', () => {
    expectMalformed(() => parseOffsetsTopicRecord(group.key, hex('0003', '0000', '00000000', 'ffff', 'ffff', '0000000000000000', '7fffffff')));
  });

  test('the error says what was being read', () => {
    expect(() => parseOffsetsTopicRecord(offset.key, offset.value!.subarray(0, 5))).toThrow(/OffsetCommitValue/);
  });

  test('bytes after the last field are ignored, as Kafka ignores them', () => {
    const padded = Buffer.concat([offset.value!, hex('deadbeef')]);
    expect(parseOffsetsTopicRecord(offset.key, padded)).toEqual(parseOffsetsTopicRecord(offset.key, offset.value));
    const paddedKey = Buffer.concat([group.key, hex('00')]);
    expect(parseOffsetsTopicRecord(paddedKey, null)).toEqual({ kind: 'group', group: 'group-1', value: null });
  });
});

// ----------------------------------------------------------------- batches

describe('batches', () => {
  const records = [
    offsetCommitRecord('g1', 'orders', 0, commitValue),
    offsetCommitRecord('g1', 'orders', 1, { ...commitValue, offset: 7n, expireTimestamp: 1700000099999n }),
    groupMetadataRecord('g1', twoMembers),
    offsetCommitRecord('g2', 'orders', 0, null),
    groupMetadataRecord('g2', null),
    { key: hex('0003', '0002', ascii('g3')), value: hex('0000', '00') }, // a KIP-848 ConsumerGroupMetadata record
  ];
  const expected = [
    { kind: 'offset', group: 'g1', topic: 'orders', partition: 0, value: commitValue },
    {
      kind: 'offset',
      group: 'g1',
      topic: 'orders',
      partition: 1,
      // written as v1 (it has an expire timestamp), which has no leader epoch
      value: { ...commitValue, offset: 7n, leaderEpoch: -1, expireTimestamp: 1700000099999n },
    },
    { kind: 'group', group: 'g1', value: twoMembers },
    { kind: 'offset', group: 'g2', topic: 'orders', partition: 0, value: null },
    { kind: 'group', group: 'g2', value: null },
    { kind: 'unknown', keyVersion: 3 },
  ];

  test('a batch of mixed records and tombstones round-trips', () => {
    const batch = buildOffsetsTopicBatch(records, 1700000000000);
    expect(batch.readInt8(16)).toBe(2); // magic v2
    expect(batch.readInt16BE(21)).toBe(0); // attributes: uncompressed, not transactional
    expect(batch.readBigInt64BE(27)).toBe(1700000000000n); // base timestamp
    expect(readOffsetsTopicBatch(batch)).toEqual(expected);
  });

  test('consecutive batches are read in order; control batches are skipped', () => {
    const marker = buildRecordBatch([{ key: hex('0000', '0001'), value: hex('0000', '00000000') }], {
      baseOffset: 2,
      attributes: ATTR_CONTROL | ATTR_TRANSACTIONAL,
      producerId: 5n,
      producerEpoch: 0,
    });
    const first = buildOffsetsTopicBatch(records.slice(0, 2), 1);
    const last = buildRecordBatch(records.slice(2), { baseOffset: 3, baseTimestamp: 2 });
    expect(readOffsetsTopicBatch(Buffer.concat([first, marker, last]))).toEqual(expected);
    expect(readOffsetsTopicBatch(marker)).toEqual([]);
    expect(readOffsetsTopicBatch(Buffer.alloc(0))).toEqual([]);
  });

  test('compressed batches (Kafka with offsets.topic.compression.codec) are decompressed; undecodable ones are MalformedError', () => {
    for (const compression of [Compression.gzip, Compression.snappy, Compression.lz4]) {
      expect(readOffsetsTopicBatch(buildRecordBatch(records, { compression }))).toEqual(expected);
    }
    const bad = buildRecordBatch(records, { compression: Compression.gzip });
    bad[bad.length - 5] ^= 0xff; // inside the gzip trailer
    bad.writeUInt32BE(computeBatchCrc(bad), 17);
    expectMalformed(() => readOffsetsTopicBatch(bad));
  });

  test('a truncated or corrupt batch throws MalformedError', () => {
    const batch = buildOffsetsTopicBatch(records, 1);
    for (const n of [1, 12, 61, batch.length - 1]) expectMalformed(() => readOffsetsTopicBatch(batch.subarray(0, n)));
    const flipped = Buffer.from(batch);
    flipped[flipped.length - 1] ^= 1;
    expect(() => readOffsetsTopicBatch(flipped)).toThrow(/CRC/);
  });

  test('a record without a key throws MalformedError', () => {
    expectMalformed(() => readOffsetsTopicBatch(buildRecordBatch([{ key: null, value: hex('00') }])));
  });

  test('an empty batch cannot be built', () => {
    expect(() => buildOffsetsTopicBatch([], 1)).toThrow(RangeError);
  });
});
