import { ErrorCode } from '../protocol/error-codes';

/** A failure a client caused, carrying the Kafka error code to answer with. */
export class KafkaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KafkaError';
  }
}
