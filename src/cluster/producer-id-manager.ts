/**
 * Hands out producer ids for InitProducerId, never the same one twice, not
 * even across restarts or crashes.
 *
 * Like Kafka's ProducerIdManager (which gets blocks of 1000 ids from the
 * controller, recorded in the metadata log), ids are taken from a block
 * reserved ahead: `<dataDir>/producer-id-block` holds the first id of the
 * next block, written atomically (atomic-file.ts) before any id of the
 * current block is handed out. A crash skips what was left of the block,
 * never reuses an id.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file';

export const PRODUCER_ID_FILE = 'producer-id-block';
export const PRODUCER_ID_BLOCK_SIZE = 1000n;
const INT64_MAX = 9223372036854775807n;

export class ProducerIdsExhaustedError extends Error {
  constructor() {
    super('producer ids are exhausted');
    this.name = 'ProducerIdsExhaustedError';
  }
}

export class ProducerIdManager {
  private readonly file: string;
  private next = 0n;
  /** End (exclusive) of the reserved block; also what the file says. */
  private blockEnd = 0n;
  private reserving: Promise<void> | null = null;
  private loaded = false;

  constructor(
    dataDir: string,
    private readonly blockSize: bigint = PRODUCER_ID_BLOCK_SIZE,
  ) {
    this.file = path.join(dataDir, PRODUCER_ID_FILE);
  }

  /** Reads where the last reserved block ended (a missing file means none was). */
  async load(): Promise<void> {
    let text: string | null = null;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== null) {
      const m = /"nextBlockStart"\s*:\s*"(\d+)"/.exec(text);
      if (!m) throw new Error(`${this.file} is not a producer id block file: ${JSON.stringify(text.slice(0, 100))}`);
      this.blockEnd = BigInt(m[1]);
    }
    this.next = this.blockEnd;
    this.loaded = true;
  }

  /** A producer id no one got before. */
  async generate(): Promise<bigint> {
    if (!this.loaded) await this.load();
    while (this.next >= this.blockEnd) {
      if (!this.reserving) {
        this.reserving = this.reserve().finally(() => {
          this.reserving = null;
        });
      }
      await this.reserving;
    }
    return this.next++;
  }

  private async reserve(): Promise<void> {
    if (this.blockEnd > INT64_MAX - this.blockSize) throw new ProducerIdsExhaustedError();
    const end = this.blockEnd + this.blockSize;
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, nextBlockStart: String(end) })}\n`);
    this.next = this.blockEnd;
    this.blockEnd = end;
  }
}
