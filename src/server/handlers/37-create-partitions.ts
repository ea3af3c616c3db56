/**
 * CreatePartitions (key 37), versions 0-3.
 *
 * Behavior, per topic (as Kafka's controller, ControllerApis and
 * ReplicationControlManager.createPartitions):
 * - a name given twice: INVALID_REQUEST "Duplicate topic name.", once;
 * - unknown topic: UNKNOWN_TOPIC_OR_PARTITION;
 * - count equal to or below the current count: INVALID_PARTITIONS with
 *   Kafka's messages (growing only);
 * - assignments, when not null, must give one replica list per new
 *   partition, each naming only this broker once
 *   (INVALID_REPLICA_ASSIGNMENT with Kafka's messages);
 * - more than 10,000 new partitions in one request: POLICY_VIOLATION for
 *   the topic that goes past it (Kafka's controller refuses operations of
 *   more than 10,000 records);
 * - validateOnly: all of the above, nothing created;
 * - otherwise the new partition logs are created and the metadata file
 *   rewritten before the answer, so Metadata shows them at once; clients
 *   (and the group leaders among them) see them on their next metadata
 *   refresh.
 * Departure: internal topics (__consumer_offsets) get POLICY_VIOLATION.
 * Kafka's broker allows it and only its tools refuse; here the group
 * coordinator places groups by the topic's partition count, so growing it
 * would lose every group's committed offsets.
 *
 * Version notes: v2 flexible; v3 only adds quota throttling (KIP-599).
 */
import { KafkaError } from '../../cluster/kafka-error';
import { MAX_PARTITIONS_ADDED } from '../../cluster/topic-manager';
import { ErrorCode } from '../../protocol/error-codes';
import { createPartitionsRequest, createPartitionsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

/** Kafka's validateManualPartitionAssignment for one new partition on a one-broker cluster (replication factor 1). */
function checkAssignment(brokerIds: readonly number[], nodeId: number): void {
  if (brokerIds.length === 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
  }
  const sorted = [...brokerIds].sort((a, b) => a - b);
  let prev: number | null = null;
  for (const id of sorted) {
    if (id !== nodeId) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The manual partition assignment includes broker ${id}, but no such broker is registered.`,
      );
    }
    if (id === prev) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes the broker ${id} more than once.`);
    }
    prev = id;
  }
}

export const createPartitionsHandler = defineHandler({
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  request: createPartitionsRequest,
  response: createPartitionsResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const nodeId = broker.config.nodeId;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const answered = new Set<string>();
    let budget = MAX_PARTITIONS_ADDED;
    const results = [];
    for (const t of req.topics) {
      if (answered.has(t.name)) continue;
      answered.add(t.name);
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        continue;
      }
      try {
        const topic = broker.topics.get(t.name);
        if (topic?.internal) {
          throw new KafkaError(
            ErrorCode.POLICY_VIOLATION,
            `The number of partitions of internal topic ${t.name} cannot be changed: consumer groups are placed by it.`,
          );
        }
        const assignments = t.assignments;
        let additional = 0;
        await broker.topics.addPartitions(t.name, t.count, req.validateOnly, (current) => {
          additional = t.count - current;
          if (assignments !== null) {
            if (assignments.length !== additional) {
              throw new KafkaError(
                ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                `Attempted to add ${additional} additional partition(s), but only ${assignments.length} assignment(s) were specified.`,
              );
            }
            for (const a of assignments) checkAssignment(a.brokerIds, nodeId);
          }
          if (additional > budget) throw new KafkaError(ErrorCode.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.');
        });
        budget -= additional;
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
        if (!req.validateOnly) ctx.log.info({ topic: t.name, partitions: t.count }, 'partitions added');
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        // Kafka sends no message for an unknown topic (its exception carries none)
        results.push({ name: t.name, errorCode: err.code, errorMessage: err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? null : err.message });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
