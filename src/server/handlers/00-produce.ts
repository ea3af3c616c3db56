/**
 * Produce (key 0), versions 3-11 answered; advertised from 0 as Kafka does.
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
 *   no larger than the topic's max.message.bytes (MESSAGE_TOO_LARGE);
 * - an acks=0 request that fails anywhere closes the connection, since no
 *   response can carry the error (as Kafka does);
 * - a topic or partition this broker does not have gets
 *   UNKNOWN_TOPIC_OR_PARTITION, whatever its name: as in Kafka, Produce never
 *   creates topics (clients ask Metadata first, which does when allowed);
 * - internal topics (__consumer_offsets) get INVALID_TOPIC_EXCEPTION: only
 *   the coordinator writes there, as in Kafka;
 * - the broker assigns offsets by patching the batch's baseOffset and
 *   overwrites its partitionLeaderEpoch; records are never re-encoded;
 * - the topic's timestamp rules (cluster/batch-timestamps.ts): records
 *   outside message.timestamp.before/after.max.ms get INVALID_TIMESTAMP with
 *   recordErrors; under LogAppendTime the batch is stamped with the
 *   broker's time (attribute bit, maxTimestamp, CRC) and logAppendTimeMs
 *   is answered.
 *
 * Version notes: v8 adds recordErrors/errorMessage (KIP-467); v10 adds the
 * currentLeader/nodeEndpoints tagged fields (KIP-951), only set on
 * NOT_LEADER_OR_FOLLOWER, which a single node never answers.
 */
import { applyTimestampPolicy, RecordError, TimestampRejection } from '../../cluster/batch-timestamps';
import { KafkaError } from '../../cluster/kafka-error';
import { Partition } from '../../cluster/partition';
import { ErrorCode } from '../../protocol/error-codes';
import { produceRequest, produceResponse } from '../../protocol/messages';
import { checkBatchAt, Off } from '../../protocol/record-batch';
import { RecordsValue } from '../../protocol/schema';
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

/** Checks one partition's records; returns the batch or a KafkaError. */
export function validateProduceRecords(records: RecordsValue | null, maxMessageBytes: number): Buffer | KafkaError {
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
  return records;
}

async function append(partition: Partition, batch: Buffer, index: number, logAppendTimeMs = -1n): Promise<PartitionAnswer> {
  try {
    const r = await partition.log.append(batch, partition.leaderEpoch);
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: BigInt(r.baseOffset),
      logAppendTimeMs,
      logStartOffset: BigInt(r.logStartOffset),
      errorMessage: null,
    };
  } catch (err) {
    return failure(index, ErrorCode.KAFKA_STORAGE_ERROR, `write failed: ${(err as Error).message}`);
  }
}

export const produceHandler = defineHandler({
  apiKey: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 11,
  request: produceRequest,
  response: produceResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const unsupported = ctx.apiVersion < 3;
    const badAcks = req.acks !== 0 && req.acks !== 1 && req.acks !== -1;
    const responses: { name: string; partitionResponses: Promise<PartitionAnswer>[] }[] = [];
    for (const topic of req.topicData) {
      const answers: Promise<PartitionAnswer>[] = [];
      responses.push({ name: topic.name, partitionResponses: answers });
      const known = broker.topics.get(topic.name);
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
        const target = known?.partitions[p.index];
        if (!target) {
          answers.push(Promise.resolve(failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)));
          continue;
        }
        if (known.internal) {
          // Only the coordinator writes there; a client's record could corrupt group state (Kafka refuses it too).
          answers.push(Promise.resolve(failure(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`)));
          continue;
        }
        const checked = validateProduceRecords(p.records, target.log.config.maxMessageBytes);
        if (checked instanceof KafkaError) {
          ctx.log.debug({ topic: topic.name, partition: p.index, error: checked.message }, 'produce rejected');
          answers.push(Promise.resolve(failure(p.index, checked.code, checked.message)));
          continue;
        }
        // The topic's message.timestamp.* rules: a window check, or the LogAppendTime stamp (patched in place).
        const stamped = applyTimestampPolicy(checked, target.log.config, Date.now());
        if (stamped instanceof TimestampRejection) {
          ctx.log.debug({ topic: topic.name, partition: p.index, recordErrors: stamped.recordErrors }, 'produce rejected: timestamps');
          answers.push(Promise.resolve({ ...failure(p.index, stamped.code, stamped.message), recordErrors: stamped.recordErrors }));
          continue;
        }
        answers.push(append(target, checked, p.index, stamped.logAppendTimeMs));
      }
    }
    const settled = await Promise.all(
      responses.map(async (r) => ({ name: r.name, partitionResponses: await Promise.all(r.partitionResponses) })),
    );
    if (req.acks === 0 && !unsupported) {
      // No response can carry the error, so Kafka closes the connection and the client notices.
      const failed = settled.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name}-${p.index}: ${ErrorCode[p.errorCode]}`));
      if (failed.length > 0) throw new CloseConnection(`acks=0 produce failed (${failed.join(', ')})`);
      return NO_RESPONSE;
    }
    return { responses: settled, throttleTimeMs: 0 };
  },
});
