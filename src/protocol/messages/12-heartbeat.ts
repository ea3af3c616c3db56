/**
 * Heartbeat (key 12), versions 0-4; flexible from 4.
 * Mirrors HeartbeatRequest.json / HeartbeatResponse.json.
 *
 * Request: v3 adds groupInstanceId (KIP-345).
 * Response: v1 adds throttleTimeMs.
 */
import { MessageSpec } from '../schema';

export const HeartbeatRequest = {
  name: 'HeartbeatRequest',
  apiKey: 12,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: 'null' },
  ],
} as const satisfies MessageSpec;

export const HeartbeatResponse = {
  name: 'HeartbeatResponse',
  apiKey: 12,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSpec;
