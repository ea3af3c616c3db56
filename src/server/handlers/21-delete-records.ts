/**
 * DeleteRecords (key 21), versions 0-2.
 *
 * Behavior, per partition (as Kafka's ReplicaManager.deleteRecords and
 * Partition.deleteRecordsOnLeader):
 * - offset -1 means the high watermark; another negative offset, or one
 *   past the high watermark, is OFFSET_OUT_OF_RANGE;
 * - otherwise the log start offset moves up to it (never down) and is
 *   persisted before the answer; whole segments below it are deleted at
 *   once; lowWatermark is the log start offset afterwards;
 * - unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION; internal topic:
 *   INVALID_TOPIC_EXCEPTION; a topic whose cleanup.policy lacks delete:
 *   POLICY_VIOLATION; errors carry lowWatermark -1;
 * - a partition named twice is answered once (the last offset wins, as
 *   Kafka's map of partitions does).
 * timeoutMs is not waited on: with no followers the deletion is complete
 * when the log start offset is persisted.
 *
 * Version notes: v2 flexible.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { deleteRecordsRequest, deleteRecordsResponse } from '../../protocol/messages';
import { OffsetOutOfRangeError } from '../../storage/partition-log';
import { defineHandler } from '../handler';

const HIGH_WATERMARK = -1n;

export const deleteRecordsHandler = defineHandler({
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  request: deleteRecordsRequest,
  response: deleteRecordsResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const wanted = new Map<string, Map<number, bigint>>();
    for (const t of req.topics) {
      let parts = wanted.get(t.name);
      if (!parts) wanted.set(t.name, (parts = new Map()));
      for (const p of t.partitions) parts.set(p.partitionIndex, p.offset);
    }
    const topics = [];
    for (const [name, parts] of wanted) {
      const topic = broker.topics.get(name);
      const policy = topic ? (topic.configs['cleanup.policy'] ?? broker.topicDefaults['cleanup.policy'] ?? 'delete') : '';
      const deletable = policy.split(',').map((s) => s.trim()).includes('delete');
      const partitions = [];
      for (const [partitionIndex, offset] of parts) {
        const fail = (errorCode: ErrorCode) => ({ partitionIndex, lowWatermark: -1n, errorCode });
        const partition = topic?.partitions[partitionIndex];
        if (!topic || !partition) partitions.push(fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        else if (topic.internal) partitions.push(fail(ErrorCode.INVALID_TOPIC_EXCEPTION));
        else if (!deletable) partitions.push(fail(ErrorCode.POLICY_VIOLATION));
        else {
          const log = partition.log;
          const target = offset === HIGH_WATERMARK ? BigInt(log.highWatermark) : offset;
          if (target < 0n || target > BigInt(log.highWatermark)) {
            partitions.push(fail(ErrorCode.OFFSET_OUT_OF_RANGE));
            continue;
          }
          try {
            const start = await log.deleteRecordsBefore(Number(target));
            partitions.push({ partitionIndex, lowWatermark: BigInt(start), errorCode: ErrorCode.NONE });
            ctx.log.info({ topic: name, partition: partitionIndex, logStartOffset: start }, 'records deleted');
          } catch (err) {
            if (err instanceof OffsetOutOfRangeError) partitions.push(fail(ErrorCode.OFFSET_OUT_OF_RANGE));
            else {
              ctx.log.warn({ topic: name, partition: partitionIndex, err: String(err) }, 'DeleteRecords failed');
              partitions.push(fail(ErrorCode.KAFKA_STORAGE_ERROR));
            }
          }
        }
      }
      topics.push({ name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
