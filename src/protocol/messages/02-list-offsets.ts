/**
 * ListOffsets (key 2), versions 1-11; flexible from 6.
 * Mirrors ListOffsetsRequest.json / ListOffsetsResponse.json.
 *
 * v0-only fields (maxNumOffsets, oldStyleOffsets) are outside the
 * supported range and left out. Version notes: v2 adds the
 * isolation level and throttle time, v4 leader epochs; the special
 * timestamps are -1 latest, -2 earliest, -3 max timestamp (v7+), -4 local
 * log start (v8+), -5 last tiered offset (v9+), -6 earliest pending upload
 * (v11+, KIP-1023). v10 adds timeoutMs (for reads from remote storage);
 * v11 is v10 on the wire. What each means is the
 * broker's business, not the codec's.
 */
import { MessageSpec } from '../schema';

export const ListOffsetsRequest = {
  name: 'ListOffsetsRequest',
  apiKey: 2,
  type: 'request',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '0+' },
    { name: 'isolationLevel', type: 'int8', versions: '2+' },
    {
      name: 'topics',
      type: '[]ListOffsetsTopic',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]ListOffsetsPartition',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'currentLeaderEpoch', type: 'int32', versions: '4+', default: '-1' },
            { name: 'timestamp', type: 'int64', versions: '0+' },
          ],
        },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '10+' },
  ],
} as const satisfies MessageSpec;

export const ListOffsetsResponse = {
  name: 'ListOffsetsResponse',
  apiKey: 2,
  type: 'response',
  validVersions: '1-11',
  flexibleVersions: '6+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+' },
    {
      name: 'topics',
      type: '[]ListOffsetsTopicResponse',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+' },
        {
          name: 'partitions',
          type: '[]ListOffsetsPartitionResponse',
          versions: '0+',
          fields: [
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'timestamp', type: 'int64', versions: '1+', default: '-1' },
            { name: 'offset', type: 'int64', versions: '1+', default: '-1' },
            { name: 'leaderEpoch', type: 'int32', versions: '4+', default: '-1' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;
