/**
 * Produce (key 0), versions 3-13 answered; advertised from 0 as Kafka does.
 *
 * Behavior:
 * - v0-2 (old message formats) are answered with UNSUPPORTED_VERSION for
 *   every partition; they are advertised only because librdkafka compresses
 *   only when it sees Produce v0 listed;
 * - acks must be -1, 0 or 1 (else INVALID_REQUIRED_ACKS); acks=0 gets no
 *   response at all; acks=1 and -1 are answered once the batch is written to
 *   the segment file (single node: the leader is the whole ISR);
 * - each partition's records must be exactly one magic-v2 batch
 *   (INVALID_RECORD otherwise), with a valid CRC and length (CORRUPT_MESSAGE),
 *   no larger than the topic's max.message.bytes (MESSAGE_TOO_LARGE), not
 *   a control batch, and with a sequence number if it has a producer id
 *   (INVALID_RECORD, as Kafka's LogValidator);
 * - an acks=0 request that fails anywhere closes the connection, since no
 *   response can carry the error (as Kafka does);
 * - a topic or partition this broker does not have gets
 *   UNKNOWN_TOPIC_OR_PARTITION, whatever its name: as in Kafka, Produce never
 *   creates topics (clients ask Metadata first, which does when allowed);
 * - v13 names topics by id: an id this broker does not know gets
 *   UNKNOWN_TOPIC_ID for each of its partitions, a known id with a partition
 *   it does not have UNKNOWN_TOPIC_OR_PARTITION (KafkaApis.handleProduceRequest);
 * - internal topics (__consumer_offsets) get INVALID_TOPIC_EXCEPTION: only
 *   the coordinator writes there, as in Kafka;
 * - a topic whose cleanup.policy includes compact refuses records without a
 *   key: INVALID_RECORD with one record error each and Kafka's message
 *   (compressed batches are decompressed for this check);
 * - the broker assigns offsets by patching the batch's baseOffset and
 *   overwrites its partitionLeaderEpoch; records are never re-encoded
 *   (but for compression.type below): compressed batches (gzip, snappy,
 *   lz4, zstd) are stored as they came;
 * - batches with a producer id (idempotent producers) are checked against
 *   the partition's producer state (storage/producer-state.ts): a retried
 *   duplicate of one of the producer's last five batches gets NONE with the
 *   original baseOffset and is not written again (logAppendTimeMs then
 *   carries the original batch's max timestamp, as Kafka answers); a gap
 *   gets OUT_OF_ORDER_SEQUENCE_NUMBER, an epoch older than the known one
 *   INVALID_PRODUCER_EPOCH, both without an error message, as Kafka;
 * - a codec id Kafka does not know (5-7) gets UNKNOWN_SERVER_ERROR, as in
 *   Kafka (CompressionType.forId throws an IllegalArgumentException there);
 *   zstd in Produce v3-6 gets UNSUPPORTED_COMPRESSION_TYPE (KIP-110);
 * - with --validate-records, every batch is also read record by record,
 *   decompressed when compressed (as Kafka's LogValidator does): it must
 *   hold exactly recordCount well-formed records (INVALID_RECORD otherwise,
 *   Kafka's "Incorrect declared batch size" and record-structure errors);
 *   compressed bytes the codec cannot decode get UNKNOWN_SERVER_ERROR, as
 *   Kafka's "Failed to decompress record stream" KafkaException does;
 *   decompression stops at 64 MiB or 64 x max.message.bytes, whichever is
 *   larger, and a batch inflating past that gets MESSAGE_TOO_LARGE (Kafka
 *   streams and has no such limit; the Java producer splits a batch that
 *   gets this code);
 * - a topic whose compression.type is a codec (or `uncompressed`) other than
 *   the batch's gets the batch re-encoded in that codec before it is
 *   stored, as Kafka does (records renumbered and timestamps rebased as its
 *   LogValidator does; an uncompressed control batch is left alone); the
 *   result must still fit max.message.bytes (MESSAGE_TOO_LARGE). The
 *   default, `producer`, stores batches as they came.
 * - the topic's timestamp rules (cluster/batch-timestamps.ts): records
 *   outside message.timestamp.before/after.max.ms get INVALID_TIMESTAMP with
 *   recordErrors; under LogAppendTime the batch is stamped with the
 *   broker's time (attribute bit, maxTimestamp, CRC) and logAppendTimeMs
 *   is answered.
 *
 * Version notes: v8 adds recordErrors/errorMessage (KIP-467); v10 adds the
 * currentLeader/nodeEndpoints tagged fields (KIP-951), only set on
 * NOT_LEADER_OR_FOLLOWER, which a single node never answers; v12 is v11
 * (it tells the broker the client knows the transaction verification of
 * KIP-890 part 2: no transactions here, so nothing changes); v13 names
 * topics by topicId in the request and the response (KIP-516).
 */
import { applyTimestampPolicy, RecordError, TimestampRejection } from '../../cluster/batch-timestamps';
import { keylessRecordErrors, recordErrorsMessage } from '../../cluster/compacted-topic-records';
import { KafkaError } from '../../cluster/kafka-error';
import { Partition } from '../../cluster/partition';
import { ErrorCode } from '../../protocol/error-codes';
import { produceRequest, produceResponse } from '../../protocol/messages';
import { COMPRESSION_NAMES, Compression, DecompressionError, isKnownCompression } from '../../protocol/compression';
import { MalformedError } from '../../protocol/primitives';
import { ATTR_CONTROL, checkBatchAt, checkRecordsOf, compressionOf, Off, recompressBatch } from '../../protocol/record-batch';
import { RecordsValue } from '../../protocol/schema';
import { InvalidProducerEpochError, OutOfOrderSequenceError } from '../../storage/producer-state';
import { CloseConnection, defineHandler, NO_RESPONSE } from '../handler';

interface PartitionAnswer {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  errorMessage: string | null;
  recordErrors?: RecordError[];
}

function failure(index: number, errorCode: ErrorCode, errorMessage: string | null = null): PartitionAnswer {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, errorMessage };
}

export interface ProduceValidation {
  /** Read every batch's records (decompressing), as Kafka's LogValidator does. */
  validateRecords?: boolean;
  /** The Produce request version (zstd needs v7+). */
  apiVersion?: number;
}

/** How many bytes one batch may decompress to when the broker looks inside. */
export function decompressionLimit(maxMessageBytes: number): number {
  return Math.max(64 * 1024 * 1024, 64 * maxMessageBytes);
}

/** Checks one partition's records; returns the batch or a KafkaError. */
export function validateProduceRecords(records: RecordsValue | null, maxMessageBytes: number, opts: ProduceValidation = {}): Buffer | KafkaError {
  if (records === null || !Buffer.isBuffer(records) || records.length === 0) {
    return new KafkaError(ErrorCode.INVALID_RECORD, 'Produce requests must contain exactly one record batch');
  }
  const { size, problem } = checkBatchAt(records, 0);
  // No complete batch at all: Kafka finds no batch to validate and answers INVALID_RECORD.
  if (problem.kind === 'truncated') return new KafkaError(ErrorCode.INVALID_RECORD, `Produce requests must contain at least one complete record batch (${problem.reason})`);
  if (problem.kind === 'corrupt') {
    const magic = records.length > Off.magic ? records.readInt8(Off.magic) : -1;
    const code = magic !== 2 && size > 0 ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE;
    return new KafkaError(code, `Record batch is corrupt: ${problem.reason}`);
  }
  if (size !== records.length) {
    return new KafkaError(ErrorCode.INVALID_RECORD, 'Produce requests are only allowed to contain exactly one record batch');
  }
  const count = records.readInt32BE(Off.recordCount);
  const lastOffsetDelta = records.readInt32BE(Off.lastOffsetDelta);
  if (count < 0 || lastOffsetDelta !== count - 1) {
    return new KafkaError(ErrorCode.INVALID_RECORD, `Inconsistent batch: ${count} records, last offset delta ${lastOffsetDelta}`);
  }
  if (size > maxMessageBytes) {
    return new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch of ${size} bytes is larger than the maximum allowed (${maxMessageBytes})`);
  }
  // as Kafka's LogValidator.validateBatch for client batches
  if ((records.readInt16BE(Off.attributes) & ATTR_CONTROL) !== 0) {
    return new KafkaError(ErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records');
  }
  const producerId = records.readBigInt64BE(Off.producerId);
  if (producerId >= 0n && records.readInt32BE(Off.baseSequence) < 0) {
    return new KafkaError(ErrorCode.INVALID_RECORD, `Invalid sequence number ${records.readInt32BE(Off.baseSequence)} in record batch with producerId ${producerId}`);
  }
  const codecId = records.readInt16BE(Off.attributes) & 0x07;
  if (!isKnownCompression(codecId)) return new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `Unknown compression type id: ${codecId}`);
  const codec = compressionOf(records.readInt16BE(Off.attributes));
  if (codec === Compression.zstd && opts.apiVersion !== undefined && opts.apiVersion < 7) {
    return new KafkaError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${opts.apiVersion} are not allowed to use ZStandard compression`);
  }
  if (opts.validateRecords) {
    try {
      checkRecordsOf(records, decompressionLimit(maxMessageBytes));
    } catch (err) {
      return unreadable(err, codec);
    }
  }
  return records;
}

const TARGET_CODEC: Record<string, Compression> = {
  uncompressed: Compression.none,
  gzip: Compression.gzip,
  snappy: Compression.snappy,
  lz4: Compression.lz4,
  zstd: Compression.zstd,
};

/** Error codes of a batch whose records could not be read (decompression or structure), as in Kafka. */
function unreadable(err: unknown, codec: Compression): KafkaError {
  if (err instanceof DecompressionError) {
    return err.kind === 'too-large'
      ? new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `The ${COMPRESSION_NAMES[codec]} records of the batch ${err.message}`)
      : new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `Failed to decompress record stream (${err.message})`);
  }
  if (err instanceof MalformedError) return new KafkaError(ErrorCode.INVALID_RECORD, `Invalid records in the batch: ${err.message}`);
  throw err;
}

/**
 * The batch in the topic's compression.type (re-encoded when that names a
 * codec other than the batch's), or a KafkaError.
 */
export function applyCompressionType(batch: Buffer, compressionType: string, maxMessageBytes: number): Buffer | KafkaError {
  const target = TARGET_CODEC[compressionType];
  if (target === undefined) return batch; // producer
  const attributes = batch.readInt16BE(Off.attributes);
  const source = compressionOf(attributes);
  if (source === target) return batch;
  if (source === Compression.none && (attributes & ATTR_CONTROL) !== 0) return batch;
  let rebuilt: Buffer;
  try {
    rebuilt = recompressBatch(batch, target, decompressionLimit(maxMessageBytes));
  } catch (err) {
    return unreadable(err, source);
  }
  if (rebuilt.length > maxMessageBytes) {
    return new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch of ${rebuilt.length} bytes after ${compressionType} compression is larger than the maximum allowed (${maxMessageBytes})`);
  }
  return rebuilt;
}

async function append(partition: Partition, batch: Buffer, index: number, log?: { info(o: object, m: string): void }, logAppendTimeMs = -1n): Promise<PartitionAnswer> {
  try {
    const r = await partition.log.append(batch, partition.leaderEpoch);
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: BigInt(r.baseOffset),
      logAppendTimeMs: r.duplicate ? BigInt(r.duplicate.maxTimestamp) : logAppendTimeMs,
      logStartOffset: BigInt(r.logStartOffset),
      errorMessage: null,
    };
  } catch (err) {
    // Kafka answers these without a message (ReplicaManager: hasCustomErrorMessage = false) but with the log start offset
    if (err instanceof OutOfOrderSequenceError || err instanceof InvalidProducerEpochError) {
      const code = err instanceof OutOfOrderSequenceError ? ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER : ErrorCode.INVALID_PRODUCER_EPOCH;
      log?.info({ topic: partition.topic, partition: index, error: ErrorCode[code] }, err.message);
      return { ...failure(index, code), logStartOffset: BigInt(partition.log.logStartOffset) };
    }
    return failure(index, ErrorCode.KAFKA_STORAGE_ERROR, `write failed: ${(err as Error).message}`);
  }
}

export const produceHandler = defineHandler({
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 13,
  request: produceRequest,
  response: produceResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const unsupported = ctx.apiVersion < 3;
    const badAcks = req.acks !== 0 && req.acks !== 1 && req.acks !== -1;
    const byId = ctx.apiVersion >= 13;
    const responses: { name: string; topicId: string; partitionResponses: Promise<PartitionAnswer>[] }[] = [];
    for (const topic of req.topicData) {
      const answers: Promise<PartitionAnswer>[] = [];
      const known = byId ? broker.topics.getById(topic.topicId) : broker.topics.get(topic.name);
      const name = byId ? (known?.name ?? '') : topic.name;
      responses.push({ name, topicId: topic.topicId, partitionResponses: answers });
      for (const p of topic.partitionData) {
        if (unsupported) {
          answers.push(Promise.resolve(failure(p.index, ErrorCode.UNSUPPORTED_VERSION)));
          continue;
        }
        if (badAcks) {
          answers.push(Promise.resolve(failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS)));
          continue;
        }
        // Appends start synchronously, in request order, so pipelined requests keep their order.
        if (byId && !known) {
          answers.push(Promise.resolve(failure(p.index, ErrorCode.UNKNOWN_TOPIC_ID)));
          continue;
        }
        const target = known?.partitions[p.index];
        if (!target) {
          answers.push(Promise.resolve(failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
          continue;
        }
        if (known.internal) {
          // Only the coordinator writes there; a client's record could corrupt group state (Kafka refuses it too).
          answers.push(Promise.resolve(failure(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${name}`)));
          continue;
        }
        const maxMessageBytes = target.log.config.maxMessageBytes;
        let checked = validateProduceRecords(p.records, maxMessageBytes, {
          validateRecords: broker.config.validateRecords,
          apiVersion: ctx.apiVersion,
        });
        if (!(checked instanceof KafkaError)) {
          checked = applyCompressionType(checked, target.log.config.compressionType, maxMessageBytes);
        }
        if (checked instanceof KafkaError) {
          ctx.log.debug({ topic: name, partition: p.index, error: checked.message }, 'produce rejected');
          answers.push(Promise.resolve(failure(p.index, checked.code, checked.message)));
          continue;
        }
        if (target.log.config.cleanupPolicy.includes('compact')) {
          const recordErrors = keylessRecordErrors(checked, name, p.index);
          if (recordErrors.length > 0) {
            answers.push(Promise.resolve({ ...failure(p.index, ErrorCode.INVALID_RECORD, recordErrorsMessage(recordErrors)), recordErrors }));
            continue;
          }
        }
        // The topic's message.timestamp.* rules: a window check, or the LogAppendTime stamp (patched in place).
        const stamped = applyTimestampPolicy(checked, target.log.config, Date.now());
        if (stamped instanceof TimestampRejection) {
          ctx.log.debug({ topic: name, partition: p.index, recordErrors: stamped.recordErrors }, 'produce rejected: timestamps');
          answers.push(Promise.resolve({ ...failure(p.index, stamped.code, stamped.message), recordErrors: stamped.recordErrors }));
          continue;
        }
        answers.push(append(target, checked, p.index, ctx.log, stamped.logAppendTimeMs));
      }
    }
    const settled = await Promise.all(
      responses.map(async (r) => ({ name: r.name, topicId: r.topicId, partitionResponses: await Promise.all(r.partitionResponses) })),
    );
    if (req.acks === 0 && !unsupported) {
      // No response can carry the error, so Kafka closes the connection and the client notices.
      const failed = settled.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name || t.topicId}-${p.index}: ${ErrorCode[p.errorCode]}`));
      if (failed.length > 0) throw new CloseConnection(`acks=0 produce failed (${failed.join(', ')})`);
      return NO_RESPONSE;
    }
    return { responses: settled, throttleTimeMs: 0 };
  },
});
