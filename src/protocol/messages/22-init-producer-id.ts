/**
 * InitProducerId (key 22), versions 0-5; flexible from 2.
 * Mirrors InitProducerIdRequest.json / InitProducerIdResponse.json.
 *
 * v1 is v0 (throttling, KIP-219); v2 flexible; v3 adds producerId and
 * producerEpoch to the request (KIP-360: a producer may ask to keep its id
 * after INVALID_PRODUCER_EPOCH); v4 may answer PRODUCER_FENCED, v5
 * TRANSACTION_ABORTABLE (KIP-890); neither changes the wire.
 */
import { MessageSpec } from '../schema';

export const InitProducerIdRequest = {
  name: 'InitProducerIdRequest',
  apiKey: 22,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: '-1' },
    { name: 'producerEpoch', type: 'int16', versions: '3+', default: '-1' },
  ],
} as const satisfies MessageSpec;

export const InitProducerIdResponse = {
  name: 'InitProducerIdResponse',
  apiKey: 22,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: '-1' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSpec;
