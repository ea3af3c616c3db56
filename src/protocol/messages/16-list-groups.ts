/**
 * ListGroups (key 16), versions 0-5; flexible from 3.
 * Mirrors ListGroupsRequest.json / ListGroupsResponse.json.
 *
 * Request: no fields up to v3; v4 adds statesFilter (KIP-518), v5
 * typesFilter (KIP-848). An empty filter lists every group.
 * Response: v1 adds throttleTimeMs, v4 each group's groupState, v5 its
 * groupType (e.g. "classic", "consumer").
 */
import { MessageSpec } from '../schema';

export const ListGroupsRequest = {
  name: 'ListGroupsRequest',
  apiKey: 16,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'statesFilter', type: '[]string', versions: '4+' },
    { name: 'typesFilter', type: '[]string', versions: '5+' },
  ],
} as const satisfies MessageSpec;

export const ListGroupsResponse = {
  name: 'ListGroupsResponse',
  apiKey: 16,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    {
      name: 'groups',
      type: '[]ListedGroup',
      versions: '0+',
      fields: [
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
        { name: 'groupState', type: 'string', versions: '4+' },
        { name: 'groupType', type: 'string', versions: '5+' },
      ],
    },
  ],
} as const satisfies MessageSpec;
