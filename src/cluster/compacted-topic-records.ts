/**
 * Produce-time check for compacted topics (Kafka's LogValidator.validateKey):
 * every record written to a topic whose cleanup.policy includes compact must
 * have a key, else the batch is refused with INVALID_RECORD, one record
 * error per keyless record, and Kafka's summary message.
 *
 * Compressed batches are decompressed for it (through storage/cleaner-batch.ts
 * recordsCodec): this is one of the places the broker must look inside.
 */
import { readBatch } from '../storage/cleaner-batch';

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** The record errors for keyless records in `batch` (empty when all have keys, or when the records cannot be read). */
export function keylessRecordErrors(batch: Buffer, topic: string, partition: number): RecordError[] {
  const errors: RecordError[] = [];
  let v;
  try {
    v = readBatch(batch);
  } catch {
    return []; // a malformed body is not this check's business (it is stored as is, as before)
  }
  for (let i = 0; i < v.count; i++) {
    if (v.keyStart[i] < 0) {
      errors.push({ batchIndex: i, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${topic}-${partition}` });
    }
  }
  return errors;
}

/** Kafka's message for a batch refused for record errors (LogValidator.processRecordErrors). */
export function recordErrorsMessage(errors: RecordError[]): string {
  const shown = errors
    .slice(0, 3)
    .map((e) => `RecordError(batchIndex=${e.batchIndex}, message=${e.batchIndexErrorMessage === null ? 'null' : `'${e.batchIndexErrorMessage}'`})`);
  return `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`;
}
