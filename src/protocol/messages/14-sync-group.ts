/**
 * SyncGroup (key 14), versions 0-5; flexible from 4.
 * Mirrors SyncGroupRequest.json / SyncGroupResponse.json.
 *
 * Request: the leader sends every member's assignment, the others none; v3
 * adds groupInstanceId (KIP-345), v5 protocolType and protocolName, which
 * the coordinator checks against the group's (KIP-559). Assignments are
 * opaque bytes (the consumer protocol's assignment).
 * Response: v1 adds throttleTimeMs, v5 protocolType and protocolName.
 */
import { MessageSpec } from '../schema';

export const SyncGroupRequest = {
  name: 'SyncGroupRequest',
  apiKey: 14,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: 'null' },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: 'null' },
    {
      name: 'assignments',
      type: '[]SyncGroupRequestAssignment',
      versions: '0+',
      fields: [
        { name: 'memberId', type: 'string', versions: '0+' },
        { name: 'assignment', type: 'bytes', versions: '0+' },
      ],
    },
  ],
} as const satisfies MessageSpec;

export const SyncGroupResponse = {
  name: 'SyncGroupResponse',
  apiKey: 14,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', default: 'null' },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', default: 'null' },
    { name: 'assignment', type: 'bytes', versions: '0+' },
  ],
} as const satisfies MessageSpec;
