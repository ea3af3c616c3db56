/**
 * OffsetFetch (key 9), versions 1-9.
 *
 * Behavior: the committed offset, leader epoch and metadata of each asked
 * partition; -1 (and empty metadata, leader epoch -1) where nothing is
 * committed, also for unknown groups and topics, as Kafka answers. A null
 * topic list (v2+) asks for every committed offset of the group.
 * Group-level errors (COORDINATOR_LOAD_IN_PROGRESS, INVALID_GROUP_ID) go in
 * the top-level (v2-7) or group (v8+) error code with no topics, and in
 * every asked partition's error code before v2.
 *
 * Version notes: v2 top-level error code, null topics; v3 throttle time;
 * v5 leader epoch; v6 flexible; v7 requireStable (no transactions here, so
 * no offset is ever pending); v8 several groups per request; v9 member id
 * and epoch of KIP-848 groups (ignored for classic groups).
 */
import { ErrorCode } from '../../protocol/error-codes';
import { offsetFetchRequest, offsetFetchResponse } from '../../protocol/messages';
import type { GroupCoordinator } from '../../cluster/group-coordinator';
import { defineHandler } from '../handler';

interface AskedTopic {
  name: string;
  partitionIndexes: readonly number[];
}

/**
 * One group's answer. A group-level error (loading, bad group id) comes
 * with no topics from v2 on, as Kafka answers; v0-1 have no group-level
 * field, so every asked partition carries it.
 */
function fetchGroup(groups: GroupCoordinator, groupId: string, topics: readonly AskedTopic[] | null, errorInPartitions: boolean) {
  const result = groups.fetchOffsets(groupId, topics && topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })));
  const error = result.errorCode;
  let answered = result.topics;
  if (error !== ErrorCode.NONE) {
    answered = errorInPartitions
      ? (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partition) => ({ partition, offset: -1n, leaderEpoch: -1, metadata: '' })) }))
      : [];
  }
  return {
    errorCode: error,
    topics: answered.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: p.leaderEpoch,
        metadata: p.metadata,
        errorCode: errorInPartitions ? error : ErrorCode.NONE,
      })),
    })),
  };
}

export const offsetFetchHandler = defineHandler({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 9,
  request: offsetFetchRequest,
  response: offsetFetchResponse,
  handle(req, ctx) {
    const groups = ctx.broker.groups;
    if (ctx.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(groups, g.groupId, g.topics, false) })),
      };
    }
    const r = fetchGroup(groups, req.groupId, req.topics, ctx.apiVersion < 2);
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
});
