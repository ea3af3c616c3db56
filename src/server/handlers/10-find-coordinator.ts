/**
 * FindCoordinator (key 10), versions 0-6.
 *
 * Behavior:
 * - key type 0 (group): this broker coordinates every group. The internal
 *   topic __consumer_offsets is created on the first lookup, as Kafka does;
 *   if that fails the answer is COORDINATOR_NOT_AVAILABLE;
 * - key type 1 (transaction): there is no transaction coordinator yet, so
 *   COORDINATOR_NOT_AVAILABLE with a message saying so;
 * - any other key type: INVALID_REQUEST.
 *
 * Version notes: v1 key type, throttle time, error message; v3 flexible;
 * v4 batches keys (coordinatorKeys in, one coordinator entry each out).
 */
import { KafkaError } from '../../cluster/kafka-error';
import { ErrorCode } from '../../protocol/error-codes';
import { findCoordinatorRequest, findCoordinatorResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';
import type { Broker } from '../broker';

const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

interface Answer {
  nodeId: number;
  host: string;
  port: number;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

function refused(errorCode: ErrorCode, errorMessage: string): Answer {
  return { nodeId: -1, host: '', port: -1, errorCode, errorMessage };
}

/** Where the coordinator for keys of `keyType` is; the same for every key on one broker. */
async function locate(broker: Broker, keyType: number): Promise<Answer> {
  if (keyType === TRANSACTION_KEY_TYPE) return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'This broker has no transaction coordinator yet.');
  if (keyType !== GROUP_KEY_TYPE) return refused(ErrorCode.INVALID_REQUEST, `Unknown coordinator key type ${keyType}.`);
  try {
    await broker.offsetsTopic.ensure();
  } catch (err) {
    const message = err instanceof KafkaError ? err.message : String(err);
    return refused(ErrorCode.COORDINATOR_NOT_AVAILABLE, `The __consumer_offsets topic could not be created: ${message}`);
  }
  return { nodeId: broker.config.nodeId, host: broker.config.advertisedHost, port: broker.advertisedPort, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler = defineHandler({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  request: findCoordinatorRequest,
  response: findCoordinatorResponse,
  async handle(req, ctx) {
    const answer = await locate(ctx.broker, req.keyType);
    if (ctx.apiVersion < 4) return { throttleTimeMs: 0, ...answer, errorMessage: answer.errorMessage, coordinators: [] };
    return { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key) => ({ key, ...answer })) };
  },
});
