/**
 * DeleteTopics (key 20), versions 1-6; flexible from 4.
 * Mirrors DeleteTopicsRequest.json / DeleteTopicsResponse.json.
 *
 * Up to v5 the request names topics in topicNames; v6 replaces it with
 * topics, each with a nullable name and a topicId (one or the other is
 * set). The response adds errorMessage in v5 and topicId (with a nullable
 * name) in v6.
 */
import { MessageSpec } from '../schema';

export const DeleteTopicsRequest = {
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  type: 'request',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    {
      name: 'topics',
      type: '[]DeleteTopicState',
      versions: '6+',
      fields: [
        { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: 'null' },
        { name: 'topicId', type: 'uuid', versions: '6+' },
      ],
    },
    { name: 'topicNames', type: '[]string', versions: '0-5' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
} as const satisfies MessageSpec;

export const DeleteTopicsResponse = {
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  type: 'response',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'responses',
      type: '[]DeletableTopicResult',
      versions: '0+',
      fields: [
        { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
        { name: 'topicId', type: 'uuid', versions: '6+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '5+', nullableVersions: '5+', default: 'null' },
      ],
    },
  ],
} as const satisfies MessageSpec;
