/**
 * OffsetDelete (key 47), version 0.
 *
 * Behavior: deletes committed offsets of a group. An empty group loses the
 * named offsets; a consumer group with members only those of topics none
 * of its members subscribes to (GROUP_SUBSCRIBED_TO_TOPIC for the others);
 * any other group with members gets NON_EMPTY_GROUP. Partitions of topics
 * that do not exist get UNKNOWN_TOPIC_OR_PARTITION; an unknown group
 * GROUP_ID_NOT_FOUND. A group-level error comes with no topics.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { offsetDeleteRequest, offsetDeleteResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const offsetDeleteHandler = defineHandler({
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  request: offsetDeleteRequest,
  response: offsetDeleteResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    // Which asked partitions exist, decided once: the answer must line up with what the coordinator was given.
    const exists = req.topics.map((t) => t.partitions.map((p) => Boolean(broker.topics.partition(t.name, p.partitionIndex))));
    const known = req.topics.flatMap((t, i) => t.partitions.filter((_, j) => exists[i][j]).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
    const result = await broker.groups.deleteOffsets(req.groupId, known);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    let next = 0;
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: req.topics.map((t, i) => ({
        name: t.name,
        partitions: t.partitions.map((p, j) => ({
          partitionIndex: p.partitionIndex,
          errorCode: exists[i][j] ? result.partitionErrors[next++] : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
});
