/**
 * Per-partition log settings (the topic configs that concern storage) and the
 * small logger interface storage writes to (a pino logger fits it).
 */

export interface LogConfig {
  /** segment.bytes: roll before a write that would push the active segment past this. */
  segmentBytes: number;
  /** segment.ms: roll the active segment once it has held data this long. */
  segmentMs: number;
  /** retention.ms: delete sealed segments whose newest record is older; -1 = no limit. */
  retentionMs: number;
  /** retention.bytes: delete the oldest sealed segments while the log stays at or above this; -1 = no limit. */
  retentionBytes: number;
  /** max.message.bytes: checked by callers (produce), stored here. */
  maxMessageBytes: number;
  /** index.interval.bytes: one offset index entry per this many bytes of log. */
  indexIntervalBytes: number;
  /** flush.messages: fsync after this many unflushed records; Infinity = rely on the page cache. */
  flushMessages: number;
  /** cleanup.policy: "delete" and/or "compact" (read by the log cleaner; retention above is already off without "delete"). */
  cleanupPolicy: readonly string[];
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: records older than this make the log eligible for compaction whatever its dirty ratio. */
  maxCompactionLagMs: number;
  /** delete.retention.ms: how long tombstones survive after compaction reached them. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** message.timestamp.type: LogAppendTime makes the broker stamp each batch when it is written. */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** message.timestamp.before.max.ms / after.max.ms (difference.max.ms folded in): CreateTime window; Infinity = none. */
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  /** compression.type: `producer` stores batches as they came; a codec name (or `uncompressed`) re-encodes them (read by Produce). */
  compressionType: string;
}

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  retentionMs: 604800000,
  retentionBytes: -1,
  maxMessageBytes: 1048588,
  indexIntervalBytes: 4096,
  flushMessages: Number.POSITIVE_INFINITY,
  cleanupPolicy: ['delete'],
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.POSITIVE_INFINITY,
  deleteRetentionMs: 86400000,
  minCleanableDirtyRatio: 0.5,
  messageTimestampType: 'CreateTime',
  messageTimestampBeforeMaxMs: Number.POSITIVE_INFINITY,
  messageTimestampAfterMaxMs: Number.POSITIVE_INFINITY,
  compressionType: 'producer',
});

export interface StorageLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export const SILENT_LOGGER: StorageLogger = {
  info() {},
  warn() {},
};
