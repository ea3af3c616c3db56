/**
 * DescribeLogDirs (key 35), versions 1-4.
 *
 * Behavior (as Kafka's handleDescribeLogDirsRequest /
 * ReplicaManager.describeLogDirs, with one log directory, the data
 * directory):
 * - one result: the data directory's absolute path, each asked partition
 *   with its size in bytes (all segment files), offsetLag 0 (Kafka's
 *   max(high watermark - log end offset, 0) on a leader) and isFutureKey
 *   false; null topics means every partition (internal topics included);
 *   unknown topics or partitions are left out, as are topics with none left;
 * - v3 top-level errorCode 0 (no authorizer); v4 totalBytes / usableBytes of
 *   the volume (statfs: blocks and blocks available to this user), -1 when
 *   the volume cannot be asked;
 * - the directory unreadable: that result gets KAFKA_STORAGE_ERROR.
 *
 * Version notes: v0 removed in Kafka 4 (KIP-896); v2 flexible; v3 top-level
 * errorCode; v4 volume sizes (KIP-827). v5 (Kafka 4.3, isCordoned) is not
 * served.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorCode } from '../../protocol/error-codes';
import { describeLogDirsRequest, describeLogDirsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const describeLogDirsHandler = defineHandler({
  apiKey: 35,
  name: 'DescribeLogDirs',
  minVersion: 1,
  maxVersion: 4,
  request: describeLogDirsRequest,
  response: describeLogDirsResponse,
  async handle(req, ctx) {
    const broker = ctx.broker;
    const logDir = path.resolve(broker.config.dataDir);
    let wanted: Map<string, Set<number>> | null = null;
    if (req.topics !== null) {
      wanted = new Map();
      for (const t of req.topics) {
        const set = wanted.get(t.topic) ?? new Set<number>();
        for (const p of t.partitions) set.add(p);
        wanted.set(t.topic, set);
      }
    }
    let totalBytes = -1n;
    let usableBytes = -1n;
    try {
      const st = await fsp.statfs(logDir, { bigint: true });
      totalBytes = st.blocks * st.bsize;
      usableBytes = st.bavail * st.bsize;
    } catch (err) {
      ctx.log.warn({ logDir, err: String(err) }, 'DescribeLogDirs: cannot read the data directory volume');
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        results: [{ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir, topics: [], totalBytes: -1n, usableBytes: -1n }],
      };
    }
    const topics = [];
    for (const topic of broker.topics.list()) {
      const asked = wanted === null ? null : wanted.get(topic.name);
      if (asked === undefined) continue;
      const partitions = topic.partitions
        .filter((p) => asked === null || asked.has(p.index))
        .map((p) => ({
          partitionIndex: p.index,
          partitionSize: BigInt(p.log.sizeBytes),
          offsetLag: 0n, // Kafka: max(highWatermark - logEndOffset, 0), 0 on the leader
          isFutureKey: false,
        }));
      if (partitions.length > 0) topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results: [{ errorCode: ErrorCode.NONE, logDir, topics, totalBytes, usableBytes }] };
  },
});
