/**
 * OffsetForLeaderEpoch (key 23), versions 0-4; flexible from 4.
 * Mirrors OffsetForLeaderEpochRequest.json / OffsetForLeaderEpochResponse.json.
 *
 * Version notes: v1 returns the leader epoch of the answer (KIP-279); v2
 * currentLeaderEpoch fencing and throttleTimeMs (KIP-320); v3 replicaId, so
 * consumers (-1) can use it (KIP-320); v4 flexible.
 */
import { MessageSpec } from '../schema';

export const OffsetForLeaderEpochRequest = {
  name: 'OffsetForLeaderEpochRequest',
  apiKey: 23,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '3+', default: -2 },
    {
      name: 'topics',
      type: '[]OffsetForLeaderTopic',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]OffsetForLeaderPartition',
          versions: '0+',
          fields: [
            { name: 'partition', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '2+', default: '-1' },
            { name: 'leaderEpoch', type: 'int32', versions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const OffsetForLeaderEpochResponse = {
  name: 'OffsetForLeaderEpochResponse',
  apiKey: 23,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    {
      name: 'topics',
      type: '[]OffsetForLeaderTopicResult',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]EpochEndOffset',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partition', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '1+', default: '-1' },
            { name: 'endOffset', type: 'int64', versions: '0+', default: '-1' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;
