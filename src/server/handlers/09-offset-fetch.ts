/**
 * OffsetFetch (key 9), versions 1-10.
 *
 * Behavior: the committed offset, leader epoch and metadata of each asked
 * partition; -1 (and empty metadata, leader epoch -1) where nothing is
 * committed, also for unknown groups and topics, as Kafka answers. A null
 * topic list (v2+) asks for every committed offset of the group.
 * Group-level errors (COORDINATOR_LOAD_IN_PROGRESS, INVALID_GROUP_ID) go in
 * the top-level (v2-7) or group (v8+) error code with no topics, and in
 * every asked partition's error code before v2.
 * v10 names each group's topics by id: the handler maps ids to names (the
 * coordinator keeps names); an id this broker does not know is answered
 * with offset -1 and UNKNOWN_TOPIC_ID on each asked partition, and a null
 * topic list answers every committed topic by its id (a topic that no
 * longer exists has no id and is left out; its offsets go with it anyway).
 *
 * Version notes: v2 top-level error code, null topics; v3 throttle time;
 * v5 leader epoch; v6 flexible; v7 requireStable (no transactions here, so
 * no offset is ever pending); v8 several groups per request; v9 member id
 * and epoch of KIP-848 groups (ignored for classic groups); v10 topic ids
 * instead of names (Kafka 4.2, KIP-848).
 */
import { ErrorCode } from '../../protocol/error-codes';
import { offsetFetchRequest, offsetFetchResponse } from '../../protocol/messages';
import type { GroupCoordinator } from '../../cluster/group-coordinator';
import type { TopicManager } from '../../cluster/topic-manager';
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

interface AskedTopicById {
  topicId: string;
  partitionIndexes: readonly number[];
}

/**
 * One group's answer for v10: topics asked and answered by id. Ids are
 * mapped to names for the coordinator and back for the answer; an unknown
 * id is answered per partition with UNKNOWN_TOPIC_ID, after the known ones
 * are fetched, in request order.
 */
function fetchGroupById(groups: GroupCoordinator, topics: TopicManager, groupId: string, asked: readonly AskedTopicById[] | null) {
  if (asked === null) {
    const r = fetchGroup(groups, groupId, null, false);
    return {
      errorCode: r.errorCode,
      topics: r.topics.flatMap((t) => {
        const known = topics.get(t.name);
        return known ? [{ topicId: known.topicId, partitions: t.partitions }] : [];
      }),
    };
  }
  const names = asked.map((t) => topics.getById(t.topicId)?.name);
  const named: AskedTopic[] = [];
  asked.forEach((t, i) => {
    const name = names[i];
    if (name !== undefined) named.push({ name, partitionIndexes: t.partitionIndexes });
  });
  // The coordinator answers one entry per named topic, in order.
  const r = fetchGroup(groups, groupId, named, false);
  if (r.errorCode !== ErrorCode.NONE) return { errorCode: r.errorCode, topics: [] };
  let next = 0;
  return {
    errorCode: r.errorCode,
    topics: asked.map((t, i) => {
      if (names[i] !== undefined) return { topicId: t.topicId, partitions: r.topics[next++].partitions };
      return {
        topicId: t.topicId,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: -1n,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
        })),
      };
    }),
  };
}

export const offsetFetchHandler = defineHandler({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 10,
  request: offsetFetchRequest,
  response: offsetFetchResponse,
  handle(req, ctx) {
    const groups = ctx.broker.groups;
    if (ctx.apiVersion >= 10) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => ({ groupId: g.groupId, ...fetchGroupById(groups, ctx.broker.topics, g.groupId, g.topics) })),
      };
    }
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
