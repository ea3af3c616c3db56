/**
 * OffsetCommit (key 8), versions 2-10; flexible from 8.
 * Mirrors OffsetCommitRequest.json / OffsetCommitResponse.json.
 *
 * Request: v2-4 carry retentionTimeMs (v5 drops it: retention is a broker
 * setting), v6 adds committedLeaderEpoch, v7 groupInstanceId (KIP-345). v9
 * is v8 for use with the new consumer protocol (KIP-848), where
 * generationIdOrMemberEpoch carries the member epoch. (Kafka's v1-only
 * commitTimestamp lies below our range and is left out.)
 * v10 (Kafka 4.2) names topics by topicId instead of name, in the request
 * and the response (KIP-848).
 * Response: v3 adds throttleTimeMs; otherwise the same in every version.
 */
import { MessageSpec } from '../schema';

export const OffsetCommitRequest = {
  name: 'OffsetCommitRequest',
  apiKey: 8,
  type: 'request',
  validVersions: '2-10',
  flexibleVersions: '8+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationIdOrMemberEpoch', type: 'int32', versions: '1+', default: '-1' },
    { name: 'memberId', type: 'string', versions: '1+' },
    { name: 'groupInstanceId', type: 'string', versions: '7+', nullableVersions: '7+', default: 'null' },
    { name: 'retentionTimeMs', type: 'int64', versions: '2-4', default: '-1' },
    {
      name: 'topics',
      type: '[]OffsetCommitRequestTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-9' },
        { name: 'topicId', type: 'uuid', versions: '10+' },
        {
          name: 'partitions',
          type: '[]OffsetCommitRequestPartition',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'committedOffset', type: 'int64', versions: '0+' },
            { name: 'committedLeaderEpoch', type: 'int32', versions: '6+', default: '-1' },
            { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const OffsetCommitResponse = {
  name: 'OffsetCommitResponse',
  apiKey: 8,
  type: 'response',
  validVersions: '2-10',
  flexibleVersions: '8+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'topics',
      type: '[]OffsetCommitResponseTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-9' },
        { name: 'topicId', type: 'uuid', versions: '10+' },
        {
          name: 'partitions',
          type: '[]OffsetCommitResponsePartition',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;
