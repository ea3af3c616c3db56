/**
 * The embedded metadata store: cluster id and topics (names, ids, partition
 * counts, configs) kept in one JSON file in the data directory, rewritten
 * atomically (tmp + fsync + rename) on every change, so a restart (or a kill
 * at any moment) brings back either the old or the new state, never a mix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file';
import { uuidToString } from '../protocol/primitives';

export interface TopicRecord {
  name: string;
  topicId: string;
  partitions: number;
  configs: Record<string, string>;
}

export interface ClusterMetadata {
  version: 1;
  clusterId: string;
  topics: TopicRecord[];
  /** Broker configs set with AlterConfigs: the cluster default ("" resource) and this broker's own. */
  dynamicBrokerConfigs?: { cluster: Record<string, string>; broker: Record<string, string> };
}

export const METADATA_FILE = 'cluster-metadata.json';

export function newUuid(): string {
  // Required here, not at the top: loading node:crypto costs start-up time and is needed only on create.
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  return uuidToString(randomBytes(16));
}

export class MetadataStore {
  private readonly path: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, METADATA_FILE);
  }

  /** Reads the file; null when there is none yet (a new data directory). */
  load(): ClusterMetadata | null {
    if (!existsSync(this.path)) return null;
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as ClusterMetadata;
    if (parsed.version !== 1 || typeof parsed.clusterId !== 'string' || !Array.isArray(parsed.topics)) {
      throw new Error(`${this.path} is not a metadata file this broker understands`);
    }
    return parsed;
  }

  /** Writes a snapshot; writes are serialised so the last call's state is what stays on disk. */
  save(state: ClusterMetadata): Promise<void> {
    const text = JSON.stringify(state, null, 1);
    const next = this.writing.then(() => writeFileAtomic(this.path, text));
    this.writing = next.catch(() => undefined);
    return next;
  }
}
