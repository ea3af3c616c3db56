/**
 * The internal topic __consumer_offsets as the group coordinator's store.
 * A group's records go to partition abs(hash(groupId)) % partitions, as in
 * Kafka, so the same group always lands in the same partition and its
 * records keep their order. The topic is created (compacted, with
 * offsets.topic.num.partitions partitions) the first time a coordinator is
 * looked up or a group writes, as Kafka does; at start-up every partition
 * is read back into the coordinator before it answers.
 */
import type { Logger } from 'pino';
import { LOG_OVERHEAD, Off, batchSizeAt } from '../protocol/record-batch';
import { GroupCoordinator, GroupLog } from './group-coordinator';
import { buildOffsetsTopicBatch, offsetsTopicPartitionFor, readOffsetsTopicBatch } from './offsets-topic-records';
import { Topic, TopicManager } from './topic-manager';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** How much of a partition is read at a time while loading. */
const LOAD_CHUNK_BYTES = 4 * 1024 * 1024;

export interface OffsetsTopicSettings {
  partitions: number;
  segmentBytes: number;
}

export class OffsetsTopic implements GroupLog {
  constructor(
    private readonly topics: TopicManager,
    private readonly settings: OffsetsTopicSettings,
    private readonly log: Logger,
  ) {}

  /** The topic, created if it does not exist yet. */
  ensure(): Promise<Topic> {
    return this.topics.ensure(OFFSETS_TOPIC, this.settings.partitions, {
      'cleanup.policy': 'compact',
      'segment.bytes': String(this.settings.segmentBytes),
    });
  }

  async append(groupId: string, records: { key: Buffer; value: Buffer | null }[]): Promise<void> {
    const topic = await this.ensure();
    const partition = topic.partitions[offsetsTopicPartitionFor(groupId, topic.partitions.length)];
    await partition.log.append(buildOffsetsTopicBatch(records, Date.now()), partition.leaderEpoch);
  }

  /** Replays every partition into the coordinator, then lets it answer. */
  async load(coordinator: GroupCoordinator): Promise<void> {
    const started = Date.now();
    const topic = this.topics.get(OFFSETS_TOPIC);
    let records = 0;
    let bytes = 0;
    for (const partition of topic?.partitions ?? []) {
      const log = partition.log;
      let offset = log.logStartOffset;
      const end = log.logEndOffset;
      while (offset < end) {
        const chunk = await log.read(offset, LOAD_CHUNK_BYTES, end);
        if (chunk.records.length === 0) break;
        let next = offset;
        for (const buf of chunk.records) {
          for (let pos = 0; pos + LOG_OVERHEAD <= buf.length; ) {
            const size = batchSizeAt(buf, pos);
            if (pos + size > buf.length) break;
            const batch = buf.subarray(pos, pos + size);
            pos += size;
            bytes += size;
            const base = Number(batch.readBigInt64BE(Off.baseOffset));
            next = base + batch.readInt32BE(Off.lastOffsetDelta) + 1;
            try {
              for (const r of readOffsetsTopicBatch(batch)) {
                coordinator.loadRecord(r);
                records++;
              }
            } catch (err) {
              this.log.warn({ partition: partition.index, offset: base, err: String(err) }, 'skipping an unreadable batch in __consumer_offsets');
            }
          }
        }
        if (next <= offset) break;
        offset = next;
      }
    }
    coordinator.finishLoading();
    if (topic) this.log.info({ records, bytes, ms: Date.now() - started }, '__consumer_offsets loaded');
  }
}
