/**
 * FindCoordinator (key 10), versions 0-6; flexible from 3.
 * Mirrors FindCoordinatorRequest.json / FindCoordinatorResponse.json.
 *
 * Request: v0 names a group in key; v1 adds keyType (0 group, 1
 * transaction, 2 share group from v6). v4 batches: coordinatorKeys replaces
 * key (KIP-699). v5 may answer TRANSACTION_ABORTABLE (KIP-890), v6 knows
 * share groups (KIP-932); neither changes the wire.
 * Response: v1 adds throttleTimeMs and errorMessage; up to v3 one
 * coordinator at the top level, from v4 one entry per key in coordinators.
 * The errorMessage fields are nullable but default to "", not null.
 */
import { MessageSpec } from '../schema';

export const FindCoordinatorRequest = {
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'key', type: 'string', versions: '0-3' },
    { name: 'keyType', type: 'int8', versions: '1+', default: '0' },
    { name: 'coordinatorKeys', type: '[]string', versions: '4+' },
  ],
} as const satisfies MessageSpec;

export const FindCoordinatorResponse = {
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'errorCode', type: 'int16', versions: '0-3' },
    { name: 'errorMessage', type: 'string', versions: '1-3', nullableVersions: '1-3' },
    { name: 'nodeId', type: 'int32', versions: '0-3' },
    { name: 'host', type: 'string', versions: '0-3' },
    { name: 'port', type: 'int32', versions: '0-3' },
    {
      name: 'coordinators',
      type: '[]Coordinator',
      versions: '4+',
      fields: [
        { name: 'key', type: 'string', versions: '4+' },
        { name: 'nodeId', type: 'int32', versions: '4+' },
        { name: 'host', type: 'string', versions: '4+' },
        { name: 'port', type: 'int32', versions: '4+' },
        { name: 'errorCode', type: 'int16', versions: '4+' },
        { name: 'errorMessage', type: 'string', versions: '4+', nullableVersions: '4+' },
      ],
    },
  ],
} as const satisfies MessageSpec;
