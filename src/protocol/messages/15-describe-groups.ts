/**
 * DescribeGroups (key 15), versions 0-6; flexible from 5.
 * Mirrors DescribeGroupsRequest.json / DescribeGroupsResponse.json.
 *
 * Request: v3 adds includeAuthorizedOperations (KIP-430).
 * Response: v1 adds throttleTimeMs, v3 authorizedOperations per group, v4
 * each member's groupInstanceId (KIP-345). Member metadata and assignment
 * are opaque bytes, filled in only while the group is Stable. v6 adds
 * errorMessage per group and answers an unknown group GROUP_ID_NOT_FOUND
 * instead of an empty Dead group (KIP-1043).
 */
import { MessageSpec } from '../schema';

export const DescribeGroupsRequest = {
  name: 'DescribeGroupsRequest',
  apiKey: 15,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '5+',
  fields: [
    { name: 'groups', type: '[]string', versions: '0+' },
    { name: 'includeAuthorizedOperations', type: 'bool', versions: '3+' },
  ],
} as const satisfies MessageSpec;

export const DescribeGroupsResponse = {
  name: 'DescribeGroupsResponse',
  apiKey: 15,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '5+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    {
      name: 'groups',
      type: '[]DescribedGroup',
      versions: '0+',
      fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '6+', nullableVersions: '6+', default: 'null' },
        { name: 'groupId', type: 'string', versions: '0+' },
        { name: 'groupState', type: 'string', versions: '0+' },
        { name: 'protocolType', type: 'string', versions: '0+' },
        { name: 'protocolData', type: 'string', versions: '0+' },
        {
          name: 'members',
          type: '[]DescribedGroupMember',
          versions: '0+',
          fields: [
            { name: 'memberId', type: 'string', versions: '0+' },
            { name: 'groupInstanceId', type: 'string', versions: '4+', nullableVersions: '4+', default: 'null' },
            { name: 'clientId', type: 'string', versions: '0+' },
            { name: 'clientHost', type: 'string', versions: '0+' },
            { name: 'memberMetadata', type: 'bytes', versions: '0+' },
            { name: 'memberAssignment', type: 'bytes', versions: '0+' },
          ],
        },
        { name: 'authorizedOperations', type: 'int32', versions: '3+', default: '-2147483648' },
      ],
    },
  ],
} as const satisfies MessageSpec;
