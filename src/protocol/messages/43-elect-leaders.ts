/**
 * ElectLeaders (key 43), versions 0-2; flexible from 2.
 * Mirrors ElectLeadersRequest.json / ElectLeadersResponse.json.
 *
 * Version notes: v1 electionType (KIP-460: 0 preferred, 1 unclean) and the
 * top-level errorCode; v2 flexible.
 */
import { MessageSpec } from '../schema';

export const ElectLeadersRequest = {
  name: 'ElectLeadersRequest',
  apiKey: 43,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'electionType', type: 'int8', versions: '1+' },
    {
      name: 'topicPartitions',
      type: '[]TopicPartitions',
      versions: '0+',
      nullableVersions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]int32', versions: '0+' },
      ],
    },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: '60000' },
  ],
} as const satisfies MessageSpec;

export const ElectLeadersResponse = {
  name: 'ElectLeadersResponse',
  apiKey: 43,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '1+' },
    {
      name: 'replicaElectionResults',
      type: '[]ReplicaElectionResult',
      versions: '0+',
      fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        {
          name: 'partitionResult',
          type: '[]PartitionResult',
          versions: '0+',
          fields: [
            { name: 'partitionId', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;
