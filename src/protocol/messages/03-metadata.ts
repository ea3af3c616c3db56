/**
 * Metadata (key 3), versions 0-13; flexible from 9.
 * Mirrors MetadataRequest.json / MetadataResponse.json.
 *
 * Request: in v0 the topics array is not nullable and empty means "all
 * topics"; from v1 null means all and empty means none. v4 adds
 * allowAutoTopicCreation, v8 the authorized-operations flags (the cluster
 * one only up to v10), v10 topicId with a nullable name.
 * Response: v1 adds rack, controllerId and isInternal, v2 clusterId, v3
 * throttleTimeMs, v5 offlineReplicas, v7 leaderEpoch, v8 authorized
 * operations (cluster-level only up to v10), v10 topicId, v12 a nullable
 * topic name (for topics asked by id that do not exist), v13 a top-level
 * errorCode (for errors of the whole request, KIP-1102).
 */
import { MessageSpec } from '../schema';

export const MetadataRequest = {
  name: 'MetadataRequest',
  apiKey: 3,
  type: 'request',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'topics',
      type: '[]MetadataRequestTopic',
      versions: '0+',
      nullableVersions: '1+',
      fields: [
        { name: 'topicId', type: 'uuid', versions: '10+' },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '10+' },
      ],
    },
    { name: 'allowAutoTopicCreation', type: 'bool', versions: '4+', default: 'true' },
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '8-10' },
    { name: 'includeTopicAuthorizedOperations', type: 'bool', versions: '8+' },
  ],
} as const satisfies MessageSpec;

export const MetadataResponse = {
  name: 'MetadataResponse',
  apiKey: 3,
  type: 'response',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '3+' },
    {
      name: 'brokers',
      type: '[]MetadataResponseBroker',
      versions: '0+',
      fields: [
        { name: 'nodeId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '1+', nullableVersions: '1+', default: 'null' },
      ],
    },
    { name: 'clusterId', type: 'string', versions: '2+', nullableVersions: '2+', default: 'null' },
    { name: 'controllerId', type: 'int32', versions: '1+', default: '-1' },
    {
      name: 'topics',
      type: '[]MetadataResponseTopic',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '12+' },
        { name: 'topicId', type: 'uuid', versions: '10+' },
        { name: 'isInternal', type: 'bool', versions: '1+', default: 'false' },
        {
          name: 'partitions',
          type: '[]MetadataResponsePartition',
          versions: '0+',
          fields: [
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'partitionIndex', type: 'int32', versions: '0+' },
            { name: 'leaderId', type: 'int32', versions: '0+' },
            { name: 'leaderEpoch', type: 'int32', versions: '7+', default: '-1' },
            { name: 'replicaNodes', type: '[]int32', versions: '0+' },
            { name: 'isrNodes', type: '[]int32', versions: '0+' },
            { name: 'offlineReplicas', type: '[]int32', versions: '5+' },
          ],
        },
        { name: 'topicAuthorizedOperations', type: 'int32', versions: '8+', default: '-2147483648' },
      ],
    },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '8-10', default: '-2147483648' },
    { name: 'errorCode', type: 'int16', versions: '13+' },
  ],
} as const satisfies MessageSpec;
