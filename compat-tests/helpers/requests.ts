/** Request bodies the raw-protocol tests send, built once here. */

/** A Fetch (v4+) of one partition from `offset`, 1 MiB limits. */
export function fetchBody(topic: string, offset: bigint, maxWaitMs: number) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** A Produce of `records` to partition 0 of `topic`. */
export function produceBody(topic: string, records: Buffer, acks = -1) {
  return { acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
}
