/**
 * DescribeProducers (key 61), version 0.
 *
 * Behavior: for each partition asked for, the producers with state in its
 * log (storage/producer-state.ts): producer id, epoch, last sequence and
 * the max timestamp of its last batch. coordinatorEpoch and
 * currentTxnStartOffset are always -1: there are no transactions.
 * An unknown topic or partition gets UNKNOWN_TOPIC_OR_PARTITION (Kafka's
 * ReplicaManager.activeProducerState). Producers that expired
 * (producer.id.expiration.ms) are not listed.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { describeProducersRequest, describeProducersResponse } from '../../protocol/messages';
import { NO_SEQUENCE } from '../../storage/producer-state';
import { defineHandler } from '../handler';

export const describeProducersHandler = defineHandler({
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  request: describeProducersRequest,
  response: describeProducersResponse,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const topic = ctx.broker.topics.get(t.name);
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => {
            const partition = topic?.partitions[partitionIndex];
            if (!partition) {
              return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
            }
            const activeProducers = partition.log.producers.activeProducers().map((e) => ({
              producerId: e.producerId,
              producerEpoch: e.epoch,
              lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1].lastSeq : NO_SEQUENCE,
              lastTimestamp: BigInt(e.lastTimestamp),
              coordinatorEpoch: -1,
              currentTxnStartOffset: -1n,
            }));
            return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers };
          }),
        };
      }),
    };
  },
});
