/**
 * DeleteGroups (key 42), versions 0-2; flexible from 2.
 * Mirrors DeleteGroupsRequest.json / DeleteGroupsResponse.json.
 *
 * The same fields in every version (v1 only changes throttling, KIP-219).
 * Kafka spells the request's field groupsNames, and the response carries
 * throttleTimeMs from v0.
 */
import { MessageSpec } from '../schema';

export const DeleteGroupsRequest = {
  name: 'DeleteGroupsRequest',
  apiKey: 42,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [{ name: 'groupsNames', type: '[]string', versions: '0+' }],
} as const satisfies MessageSpec;

export const DeleteGroupsResponse = {
  name: 'DeleteGroupsResponse',
  apiKey: 42,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    {
      name: 'results',
      type: '[]DeletableGroupResult',
      versions: '0+',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageSpec;
