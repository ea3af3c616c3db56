/**
 * Produce (key 0), versions 0-13; flexible from 9.
 * Mirrors ProduceRequest.json / ProduceResponse.json.
 *
 * v0-2 are kept so that the broker can read such a request and answer it
 * (with UNSUPPORTED_VERSION); transactionalId arrives in v3, the response's
 * logAppendTimeMs in v2, logStartOffset in v5, recordErrors and errorMessage
 * in v8, and the currentLeader / nodeEndpoints tagged fields in v10 (KIP-951).
 * v12 is v11 on the wire (a client sending it may be told about the
 * transaction verification of KIP-890 part 2); v13 names topics by topicId
 * instead of name in the request and the response (KIP-516).
 */
import { MessageSpec } from '../schema';

export const ProduceRequest = {
  name: 'ProduceRequest',
  apiKey: 0,
  type: 'request',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
    { name: 'acks', type: 'int16', versions: '0+' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
    {
      name: 'topicData',
      type: '[]TopicProduceData',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-12' },
        { name: 'topicId', type: 'uuid', versions: '13+' },
        {
          name: 'partitionData',
          type: '[]PartitionProduceData',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'records', type: 'records', versions: '0+', nullableVersions: '0+' },
          ],
        },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const ProduceResponse = {
  name: 'ProduceResponse',
  apiKey: 0,
  type: 'response',
  validVersions: '0-13',
  flexibleVersions: '9+',
  fields: [
    {
      name: 'responses',
      type: '[]TopicProduceResponse',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0-12' },
        { name: 'topicId', type: 'uuid', versions: '13+' },
        {
          name: 'partitionResponses',
          type: '[]PartitionProduceResponse',
          versions: '0+',
          fields: [
            { name: 'index', type: 'int32', versions: '0+' },
            { name: 'errorCode', type: 'int16', versions: '0+' },
            { name: 'baseOffset', type: 'int64', versions: '0+' },
            { name: 'logAppendTimeMs', type: 'int64', versions: '2+', default: '-1' },
            { name: 'logStartOffset', type: 'int64', versions: '5+', default: '-1' },
            {
              name: 'recordErrors',
              type: '[]BatchIndexAndErrorMessage',
              versions: '8+',
              fields: [
                { name: 'batchIndex', type: 'int32', versions: '8+' },
                { name: 'batchIndexErrorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: 'null' },
              ],
            },
            { name: 'errorMessage', type: 'string', versions: '8+', nullableVersions: '8+', default: 'null' },
            {
              name: 'currentLeader',
              type: 'LeaderIdAndEpoch',
              versions: '10+',
              taggedVersions: '10+',
              tag: 0,
              fields: [
                { name: 'leaderId', type: 'int32', versions: '10+', default: '-1' },
                { name: 'leaderEpoch', type: 'int32', versions: '10+', default: '-1' },
              ],
            },
          ],
        },
      ],
    },
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', default: '0' },
    {
      name: 'nodeEndpoints',
      type: '[]NodeEndpoint',
      versions: '10+',
      taggedVersions: '10+',
      tag: 0,
      fields: [
        { name: 'nodeId', type: 'int32', versions: '10+' },
        { name: 'host', type: 'string', versions: '10+' },
        { name: 'port', type: 'int32', versions: '10+' },
        { name: 'rack', type: 'string', versions: '10+', nullableVersions: '10+', default: 'null' },
      ],
    },
  ],
} as const satisfies MessageSpec;
