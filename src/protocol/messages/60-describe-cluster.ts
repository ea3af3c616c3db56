/**
 * DescribeCluster (key 60), versions 0-2; flexible from 0.
 * Mirrors DescribeClusterRequest.json / DescribeClusterResponse.json
 * (Kafka 4.1).
 *
 * Version notes: v0 KIP-700; v1 endpointType (KIP-919: 1 brokers,
 * 2 controllers); v2 includeFencedBrokers and isFenced (KIP-1073).
 */
import { MessageSpec } from '../schema';

export const DescribeClusterRequest = {
  name: 'DescribeClusterRequest',
  apiKey: 60,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '0+' },
    { name: 'endpointType', type: 'int8', versions: '1+', default: '1' },
    { name: 'includeFencedBrokers', type: 'bool', versions: '2+' },
  ],
} as const satisfies MessageSpec;

export const DescribeClusterResponse = {
  name: 'DescribeClusterResponse',
  apiKey: 60,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: 'null' },
    { name: 'endpointType', type: 'int8', versions: '1+', default: '1' },
    { name: 'clusterId', type: 'string', versions: '0+' },
    { name: 'controllerId', type: 'int32', versions: '0+', default: '-1' },
    {
      name: 'brokers',
      type: '[]DescribeClusterBroker',
      versions: '0+',
      fields: [
        { name: 'brokerId', type: 'int32', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'port', type: 'int32', versions: '0+' },
        { name: 'rack', type: 'string', versions: '0+', nullableVersions: '0+', default: 'null' },
        { name: 'isFenced', type: 'bool', versions: '2+' },
      ],
    },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '0+', default: '-2147483648' },
  ],
} as const satisfies MessageSpec;
