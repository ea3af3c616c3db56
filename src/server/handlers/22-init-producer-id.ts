/**
 * InitProducerId (key 22), versions 0-5.
 *
 * Behavior:
 * - producerId and producerEpoch (v3+) must both be -1 or both be set,
 *   otherwise INVALID_REQUEST (as KafkaApis checks before anything else);
 * - transactionalId null (an idempotent producer): a new producer id with
 *   epoch 0, whatever producerId/epoch the request carries, as Kafka's
 *   TransactionCoordinator does ("always blindly accept"; the KIP-360 epoch
 *   bump of an idempotent producer happens in the client). Ids are never
 *   reused, across restarts too (cluster/producer-id-manager.ts);
 * - transactionalId "": INVALID_REQUEST; a transaction timeout outside
 *   1..transaction.max.timeout.ms (900000): INVALID_TRANSACTION_TIMEOUT;
 * - any other transactionalId: this broker has no transaction coordinator
 *   (FindCoordinator for transactions answers COORDINATOR_NOT_AVAILABLE), so
 *   NOT_COORDINATOR, which a Kafka broker answers for a transactional id
 *   whose coordinator it is not; clients look the coordinator up again and
 *   keep retrying until their own timeout, as against a Kafka cluster whose
 *   transaction coordinator is down.
 *
 * Version notes: v2 flexible; v3 producerId/producerEpoch (KIP-360); v4
 * PRODUCER_FENCED and v5 TRANSACTION_ABORTABLE are never answered here.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { initProducerIdRequest, initProducerIdResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;
/** Kafka's transaction.max.timeout.ms default. */
const TRANSACTION_MAX_TIMEOUT_MS = 900000;

function refused(errorCode: ErrorCode) {
  return { throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

export const initProducerIdHandler = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  request: initProducerIdRequest,
  response: initProducerIdResponse,
  async handle(req, ctx) {
    const noId = req.producerId === NO_PRODUCER_ID;
    const noEpoch = req.producerEpoch === NO_PRODUCER_EPOCH;
    if (noId !== noEpoch) return refused(ErrorCode.INVALID_REQUEST);
    if (req.transactionalId !== null) {
      if (req.transactionalId === '') return refused(ErrorCode.INVALID_REQUEST);
      if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > TRANSACTION_MAX_TIMEOUT_MS) {
        return refused(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
      }
      ctx.log.debug({ transactionalId: req.transactionalId }, 'InitProducerId for a transactional id: no transaction coordinator');
      return refused(ErrorCode.NOT_COORDINATOR);
    }
    let producerId: bigint;
    try {
      producerId = await ctx.broker.producerIds.generate();
    } catch (err) {
      ctx.log.error({ err }, 'could not reserve producer ids');
      return refused(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    ctx.log.debug({ producerId: String(producerId), previous: noId ? undefined : String(req.producerId) }, 'producer id handed out');
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
  },
});
