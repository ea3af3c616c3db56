/**
 * The records of Kafka's internal topic `__consumer_offsets`: committed
 * offsets and classic group metadata, byte for byte as Kafka stores them, so
 * that a log we write can be read by Kafka's tools and a log Kafka wrote can
 * be loaded by us.
 *
 * Each record's key and value start with an int16 version, followed by the
 * struct at that version (Kafka's MessageUtil.toVersionPrefixedBytes). The
 * key's version also says what the record is:
 *   key 0 or 1  OffsetCommitKey   -> value OffsetCommitValue 0-4
 *   key 2       GroupMetadataKey  -> value GroupMetadataValue 0-4
 *   key 3+      records of the KIP-848 consumer and share groups (not read
 *               here: reported as 'unknown' so a loader skips them, as
 *               Kafka's loader skips record types it does not know)
 * A null value is a tombstone: it deletes the key.
 *
 * The specs mirror Kafka's OffsetCommitKey.json, OffsetCommitValue.json,
 * GroupMetadataKey.json and GroupMetadataValue.json
 * (group-coordinator/src/main/resources/common/message/; core/ before 3.5).
 * Values are flexible from v4 (KIP-915): compact strings, compact arrays and
 * a tagged-field section after each struct; the version prefix stays a plain
 * int16.
 *
 * Versions written are those Kafka 3.x writes (MetadataVersion
 * .offsetCommitValueVersion / .groupMetadataValueVersion, used by
 * GroupCoordinatorRecordHelpers and the older GroupMetadataManager.scala):
 * - OffsetCommitKey v1, GroupMetadataKey v2;
 * - OffsetCommitValue v1 when the commit has an expire timestamp (an
 *   OffsetCommit v2-v4 request with a retention time), otherwise v3;
 * - GroupMetadataValue v3.
 * Kafka writes neither value at v4: it keeps the highest non-flexible
 * version "until a tagged field is introduced", so brokers before 3.5 can
 * still read the log. Every version 0-4 is read.
 *
 * Reading follows Kafka's readers: bytes after the last field are ignored,
 * fields a version lacks take the spec's default (leaderEpoch -1,
 * expireTimestamp -1, currentStateTimestamp -1, groupInstanceId null,
 * rebalanceTimeout -1; Kafka's loader then uses the session timeout for a
 * rebalance timeout of -1), and a value version outside 0-4 is an error.
 */
import { MessageCodec, codec } from '../protocol/codec';
import { MalformedError, Reader } from '../protocol/primitives';
import { DecompressionError } from '../protocol/compression';
import {
  ATTR_CONTROL,
  buildRecordBatch,
  checkBatchAt,
  readBatchHeader,
  recordsOf,
} from '../protocol/record-batch';
import { MessageSpec, ValueOf } from '../protocol/schema';

// ------------------------------------------------------------------ specs

export const OffsetCommitKey = {
  name: 'OffsetCommitKey',
  type: 'data',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'group', type: 'string', versions: '0-1' },
    { name: 'topic', type: 'string', versions: '0-1' },
    { name: 'partition', type: 'int32', versions: '0-1' },
  ],
} as const satisfies MessageSpec;

export const OffsetCommitValue = {
  name: 'OffsetCommitValue',
  type: 'data',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'offset', type: 'int64', versions: '0+' },
    { name: 'leaderEpoch', type: 'int32', versions: '3+', default: -1 },
    { name: 'metadata', type: 'string', versions: '0+' },
    { name: 'commitTimestamp', type: 'int64', versions: '0+' },
    { name: 'expireTimestamp', type: 'int64', versions: '1', default: -1 },
  ],
} as const satisfies MessageSpec;

export const GroupMetadataKey = {
  name: 'GroupMetadataKey',
  type: 'data',
  validVersions: '2',
  flexibleVersions: 'none',
  fields: [{ name: 'group', type: 'string', versions: '2' }],
} as const satisfies MessageSpec;

export const GroupMetadataValue = {
  name: 'GroupMetadataValue',
  type: 'data',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'protocolType', type: 'string', versions: '0+' },
    { name: 'generation', type: 'int32', versions: '0+' },
    { name: 'protocol', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'leader', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'currentStateTimestamp', type: 'int64', versions: '2+', default: -1 },
    {
      name: 'members',
      type: '[]MemberMetadata',
      versions: '0+',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
        { name: 'clientId', type: 'string', versions: '0+' },
        { name: 'clientHost', type: 'string', versions: '0+' },
        { name: 'rebalanceTimeout', type: 'int32', versions: '1+', default: -1 },
        { name: 'sessionTimeout', type: 'int32', versions: '0+' },
        { name: 'subscription', type: 'bytes', versions: '0+' },
        { name: 'assignment', type: 'bytes', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageSpec;

const offsetKeyCodec = codec(OffsetCommitKey);
const offsetValueCodec = codec(OffsetCommitValue);
const groupKeyCodec = codec(GroupMetadataKey);
const groupValueCodec = codec(GroupMetadataValue);

/** The key versions Kafka 3.x writes. */
export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
/** The GroupMetadataValue version Kafka 3.x writes. */
export const GROUP_METADATA_VALUE_VERSION = 3;

// ------------------------------------------------------------------ types

export interface OffsetCommitRecordValue {
  offset: bigint;
  /** -1 when unknown (and in values before v3). */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: bigint;
  /** -1n when none; only v1 carries one. */
  expireTimestamp: bigint;
}

export interface GroupMemberRecord {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** -1 in v0 values, which have none (Kafka then uses sessionTimeout). */
  rebalanceTimeout: number;
  sessionTimeout: number;
  /** The member's metadata for the group's chosen protocol. */
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataRecordValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** -1n when none (and in values before v2). */
  currentStateTimestamp: bigint;
  members: GroupMemberRecord[];
}

export type OffsetsTopicRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetCommitRecordValue | null }
  | { kind: 'group'; group: string; value: GroupMetadataRecordValue | null }
  | { kind: 'unknown'; keyVersion: number };

export interface OffsetsTopicKeyValue {
  key: Buffer;
  value: Buffer | null;
}

// ------------------------------------------------------- partition choice

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, int32 arithmetic. */
function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The __consumer_offsets partition that holds a group, as Kafka computes it
 * (GroupMetadataManager.partitionFor / GroupCoordinatorService.partitionFor):
 * `Utils.abs(groupId.hashCode()) % partitions`, where Kafka's Utils.abs is
 * Math.abs except that Integer.MIN_VALUE gives 0.
 */
export function offsetsTopicPartitionFor(groupId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 0x7fffffff) {
    throw new RangeError(`offsets topic partition count must be a positive int32, got ${partitions}`);
  }
  const h = javaStringHashCode(groupId);
  const abs = h === -0x80000000 ? 0 : Math.abs(h);
  return abs % partitions;
}

// --------------------------------------------------------------- encoding

function versionPrefixed(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

/** The OffsetCommitValue version Kafka 3.x writes for this value. */
export function offsetCommitValueVersionFor(value: OffsetCommitRecordValue): number {
  return value.expireTimestamp !== -1n ? 1 : 3;
}

/** A version-prefixed OffsetCommitValue; by default at the version Kafka 3.x would write. */
export function encodeOffsetCommitValue(value: OffsetCommitRecordValue, version = offsetCommitValueVersionFor(value)): Buffer {
  return versionPrefixed(version, offsetValueCodec.encode(value, version));
}

/** A version-prefixed GroupMetadataValue; by default at v3, as Kafka 3.x writes it. */
export function encodeGroupMetadataValue(value: GroupMetadataRecordValue, version = GROUP_METADATA_VALUE_VERSION): Buffer {
  return versionPrefixed(version, groupValueCodec.encode(value, version));
}

/** An offset commit (or, with a null value, its tombstone) as Kafka 3.x writes it. */
export function offsetCommitRecord(
  group: string,
  topic: string,
  partition: number,
  value: OffsetCommitRecordValue | null,
): OffsetsTopicKeyValue {
  const key = versionPrefixed(OFFSET_COMMIT_KEY_VERSION, offsetKeyCodec.encode({ group, topic, partition }, OFFSET_COMMIT_KEY_VERSION));
  return { key, value: value === null ? null : encodeOffsetCommitValue(value) };
}

/** A group's metadata (or, with a null value, its tombstone) as Kafka 3.x writes it. */
export function groupMetadataRecord(group: string, value: GroupMetadataRecordValue | null): OffsetsTopicKeyValue {
  const key = versionPrefixed(GROUP_METADATA_KEY_VERSION, groupKeyCodec.encode({ group }, GROUP_METADATA_KEY_VERSION));
  return { key, value: value === null ? null : encodeGroupMetadataValue(value) };
}

// --------------------------------------------------------------- decoding

function inContext<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof MalformedError) throw new MalformedError(`__consumer_offsets ${what}: ${err.message}`);
    throw err;
  }
}

/** A version-prefixed value; versions the spec does not have are malformed. */
function decodeValue<S extends MessageSpec>(c: MessageCodec<S>, buf: Buffer): ValueOf<S> {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < c.minVersion || version > c.maxVersion) {
    throw new MalformedError(`${c.spec.name} version ${version} (known: ${c.minVersion}-${c.maxVersion})`);
  }
  return c.decode(r, version);
}

function decodeGroupMetadataValue(buf: Buffer): GroupMetadataRecordValue {
  const v = decodeValue(groupValueCodec, buf);
  return {
    protocolType: v.protocolType,
    generation: v.generation,
    protocol: v.protocol,
    leader: v.leader,
    currentStateTimestamp: v.currentStateTimestamp,
    // Copies, so that a loaded group does not keep the whole batch it came from alive.
    members: v.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeout,
      sessionTimeout: m.sessionTimeout,
      subscription: Buffer.from(m.subscription),
      assignment: Buffer.from(m.assignment),
    })),
  };
}

/**
 * Reads one record of __consumer_offsets. Key versions other than 0-2 give
 * 'unknown' (their value is not looked at). Malformed keys or values, and
 * value versions above 4, throw MalformedError.
 */
export function parseOffsetsTopicRecord(key: Buffer, value: Buffer | null): OffsetsTopicRecord {
  const r = new Reader(key);
  const keyVersion = inContext('key', () => r.int16());
  if (keyVersion === 0 || keyVersion === 1) {
    const k = inContext('OffsetCommitKey', () => offsetKeyCodec.decode(r, keyVersion));
    const v = value === null ? null : inContext('OffsetCommitValue', () => decodeValue(offsetValueCodec, value));
    return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: v };
  }
  if (keyVersion === GROUP_METADATA_KEY_VERSION) {
    const k = inContext('GroupMetadataKey', () => groupKeyCodec.decode(r, keyVersion));
    const v = value === null ? null : inContext('GroupMetadataValue', () => decodeGroupMetadataValue(value));
    return { kind: 'group', group: k.group, value: v };
  }
  return { kind: 'unknown', keyVersion };
}

// ---------------------------------------------------------------- batches

/** One uncompressed magic-v2 batch of these records, as the coordinator appends them. */
export function buildOffsetsTopicBatch(records: readonly OffsetsTopicKeyValue[], timestampMs: number): Buffer {
  if (records.length === 0) throw new RangeError('an offsets topic batch needs at least one record');
  return buildRecordBatch(
    records.map((r) => ({ key: r.key, value: r.value })),
    { baseTimestamp: timestampMs },
  );
}

/**
 * The records of one or more consecutive stored batches, in order.
 *
 * Control batches (transaction markers) are skipped. Transactional data
 * batches (TxnOffsetCommit) are returned like any other: this reader does not
 * know which transactions committed. Compressed batches (Kafka writes them
 * when offsets.topic.compression.codec is set; this broker does not) are
 * decompressed. A truncated or corrupt batch (bad length, magic or CRC, or
 * compressed bytes that do not decode), or a record without a key, throws
 * MalformedError.
 */
export function readOffsetsTopicBatch(batch: Buffer): OffsetsTopicRecord[] {
  const out: OffsetsTopicRecord[] = [];
  let pos = 0;
  while (pos < batch.length) {
    const { size, problem } = checkBatchAt(batch, pos);
    if (problem.kind !== 'ok') throw new MalformedError(`__consumer_offsets batch at byte ${pos}: ${problem.reason}`);
    const header = readBatchHeader(batch, pos);
    if ((header.attributes & ATTR_CONTROL) === 0) {
      const records = inContext(`batch at offset ${header.baseOffset}`, () => {
        try {
          return recordsOf(batch.subarray(pos, pos + size));
        } catch (err) {
          if (err instanceof DecompressionError) throw new MalformedError(err.message);
          throw err;
        }
      });
      for (const rec of records) {
        if (rec.key === null) {
          throw new MalformedError(`__consumer_offsets record at offset ${header.baseOffset + rec.offsetDelta} has no key`);
        }
        out.push(parseOffsetsTopicRecord(rec.key, rec.value));
      }
    }
    pos += size;
  }
  return out;
}
