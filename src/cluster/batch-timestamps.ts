/**
 * The topic's timestamp rules applied to a produced batch before it is
 * written, as Kafka's LogValidator does:
 * - message.timestamp.type=CreateTime: every record's timestamp must lie in
 *   [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]
 *   (message.timestamp.difference.max.ms stands in for either one left at
 *   its default); records outside get INVALID_TIMESTAMP, each named in
 *   recordErrors with Kafka's message; a record without a timestamp (-1)
 *   is not checked;
 * - message.timestamp.type=LogAppendTime: the batch gets the LogAppendTime
 *   attribute bit and maxTimestamp = the broker's clock, and its CRC is
 *   computed again (both fields are inside the CRC); nothing inside the
 *   batch changes, so compressed batches need no decompression (consumers
 *   take every record's timestamp from maxTimestamp for such a batch);
 *   Produce answers the time as logAppendTimeMs;
 * - a producer may not send a batch marked LogAppendTime itself, unless
 *   the topic is CreateTime and the timestamp is in the window (Kafka's
 *   exact rule).
 */
import { ErrorCode } from '../protocol/error-codes';
import { DecompressionError } from '../protocol/compression';
import { ATTR_LOG_APPEND_TIME, Off, computeBatchCrc, recordsOf } from '../protocol/record-batch';
import { MalformedError } from '../protocol/primitives';
import { LogConfig } from '../storage/log-config';

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** The batch was refused: the partition's answer carries these. */
export class TimestampRejection {
  constructor(
    readonly recordErrors: RecordError[],
    readonly code: ErrorCode = ErrorCode.INVALID_TIMESTAMP,
    readonly message = 'One or more records have been rejected due to invalid timestamp',
  ) {}
}

/** What to answer when the batch was accepted: -1, or the append time under LogAppendTime. */
export interface TimestampOutcome {
  logAppendTimeMs: bigint;
}

const NO_TIMESTAMP = -1;
const CREATE_TIME: TimestampOutcome = Object.freeze({ logAppendTimeMs: -1n });

/** One record's place and timestamp, as the window check needs them. */
export interface RecordTimestamp {
  index: number;
  offset: number;
  timestamp: number;
}

/**
 * The per-record timestamps of a batch, decompressing a compressed one
 * (this is one of the places the broker must look inside: Kafka's
 * LogValidator reads every record's timestamp too). Only done when the
 * topic has a window to check.
 */
export function recordTimestamps(batch: Buffer): RecordTimestamp[] {
  const baseOffset = Number(batch.readBigInt64BE(Off.baseOffset));
  const baseTimestamp = Number(batch.readBigInt64BE(Off.baseTimestamp));
  return recordsOf(batch).map((r, index) => ({
    index,
    offset: baseOffset + r.offsetDelta,
    // A batch without timestamps has baseTimestamp -1 and deltas 0: the record has none either.
    timestamp: baseTimestamp === NO_TIMESTAMP ? NO_TIMESTAMP : baseTimestamp + Number(r.timestampDelta),
  }));
}

/**
 * Applies the topic's timestamp rules to one checked batch (CRC already
 * verified), patching it in place under LogAppendTime. Returns the outcome,
 * or a TimestampRejection when records are outside the allowed window.
 * Records that cannot be read give CORRUPT_MESSAGE.
 */
export function applyTimestampPolicy(batch: Buffer, config: LogConfig, now: number): TimestampOutcome | TimestampRejection {
  const attributes = batch.readInt16BE(Off.attributes);
  const markedLogAppendTime = (attributes & ATTR_LOG_APPEND_TIME) !== 0;
  if (config.messageTimestampType === 'LogAppendTime') {
    if (markedLogAppendTime) return producerSetLogAppendTime(batch);
    stampLogAppendTime(batch, now);
    return { logAppendTimeMs: BigInt(now) };
  }
  const before = config.messageTimestampBeforeMaxMs;
  const after = config.messageTimestampAfterMaxMs;
  if (markedLogAppendTime) {
    // Records of such a batch read their timestamp from maxTimestamp (Kafka's DefaultRecordBatch).
    const max = Number(batch.readBigInt64BE(Off.maxTimestamp));
    if (max === NO_TIMESTAMP) return producerSetLogAppendTime(batch);
  }
  if (before === Number.POSITIVE_INFINITY && after === Number.POSITIVE_INFINITY) return CREATE_TIME;
  let stamps: RecordTimestamp[];
  try {
    stamps = recordTimestamps(batch);
  } catch (err) {
    if (err instanceof DecompressionError) {
      return err.kind === 'too-large'
        ? new TimestampRejection([], ErrorCode.MESSAGE_TOO_LARGE, `The records of the batch ${err.message}`)
        : new TimestampRejection([], ErrorCode.UNKNOWN_SERVER_ERROR, `Failed to decompress record stream (${err.message})`);
    }
    if (!(err instanceof MalformedError)) throw err;
    // Kafka's InvalidRecordException for records it cannot read: CORRUPT_MESSAGE.
    return new TimestampRejection([], ErrorCode.CORRUPT_MESSAGE, `Found invalid record structure: ${err.message}`);
  }
  if (markedLogAppendTime) {
    const max = Number(batch.readBigInt64BE(Off.maxTimestamp));
    stamps = stamps.map((s) => ({ ...s, timestamp: max }));
  }
  const errors: RecordError[] = [];
  const seen = new Set<number>();
  for (const s of stamps) {
    if (s.timestamp === NO_TIMESTAMP || seen.has(s.index)) continue;
    const diff = now - s.timestamp;
    if (diff > before || -diff > after) {
      seen.add(s.index);
      errors.push({
        batchIndex: s.index,
        batchIndexErrorMessage: `Timestamp ${s.timestamp} of message with offset ${s.offset} is out of range. The timestamp should be within [${javaLong(now, -before)}, ${javaLong(now, after)}]`,
      });
    }
  }
  return errors.length > 0 ? new TimestampRejection(errors) : CREATE_TIME;
}

/** now + delta as Kafka prints it: Java long arithmetic, so an unlimited (Long.MAX_VALUE) side wraps around. */
function javaLong(now: number, delta: number): string {
  const d = delta === Number.POSITIVE_INFINITY ? LONG_MAX : delta === Number.NEGATIVE_INFINITY ? -LONG_MAX : BigInt(delta);
  return BigInt.asIntN(64, BigInt(now) + d).toString();
}
const LONG_MAX = 2n ** 63n - 1n;

function producerSetLogAppendTime(batch: Buffer): TimestampRejection {
  const count = batch.readInt32BE(Off.recordCount);
  const baseOffset = Number(batch.readBigInt64BE(Off.baseOffset));
  const errors: RecordError[] = [];
  for (let i = 0; i < Math.max(count, 1); i++) {
    errors.push({
      batchIndex: i,
      batchIndexErrorMessage: `Invalid timestamp type in message with offset ${baseOffset + i}. Producer should not set timestamp type to LogAppendTime.`,
    });
  }
  return new TimestampRejection(errors);
}

/**
 * Marks a batch LogAppendTime with maxTimestamp `now` and rewrites its CRC
 * (Kafka's DefaultRecordBatch.setMaxTimestamp). baseOffset and the leader
 * epoch stay outside the CRC, as always.
 */
export function stampLogAppendTime(batch: Buffer, now: number): void {
  batch.writeInt16BE(batch.readInt16BE(Off.attributes) | ATTR_LOG_APPEND_TIME, Off.attributes);
  batch.writeBigInt64BE(BigInt(now), Off.maxTimestamp);
  batch.writeUInt32BE(computeBatchCrc(batch), Off.crc);
}
