/**
 * All partition logs of this broker under one data directory, which the
 * broker locks: `<dataDir>/.lock` holds the owner's pid. A lock whose process
 * is gone (or that an earlier incarnation of this very pid left behind, as
 * happens with pid 1 in containers) is taken over.
 *
 * Clean shutdown, like Kafka's: close() writes `<dataDir>/.clean-shutdown`
 * once every log has closed cleanly; init() notes it and deletes it before
 * any log is opened, so only the start right after a clean close sees it
 * (a crash later is unclean again). Logs opened after a clean start trust
 * their active segment's indexes and validate only its tail.
 *
 * Logs are opened on demand, so after an unclean start a partition
 * directory nobody opened was never recovered: the marker is then written
 * only if every `<topic>-<partition>` directory was opened in this run.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDir, writeFileAtomic } from './atomic-file';
import { LogConfig, SILENT_LOGGER, StorageLogger } from './log-config';
import { PartitionLog } from './partition-log';

export const LOCK_FILE = '.lock';
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
const PARTITION_DIR = /^.+-\d+$/;

/** Lock files held by LogManagers of this process. */
const heldLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  private readonly opening = new Map<string, Promise<PartitionLog>>();
  private lockPath: string | null = null;
  private closed = false;
  private initialized = false;
  private startedClean = false;
  /** Partition directories opened (so recovered) in this run. */
  private readonly opened = new Set<string>();
  /** An openLog failed: its directory may be half recovered. */
  private openFailed = false;

  constructor(
    readonly dataDir: string,
    private readonly logger: StorageLogger = SILENT_LOGGER,
  ) {}

  /** Creates the data directory, takes its lock and consumes the clean-shutdown marker. */
  async init(): Promise<void> {
    await fsp.mkdir(this.dataDir, { recursive: true });
    const fresh = (await fsp.readdir(this.dataDir)).length === 0;
    await this.lock();
    const marker = path.join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    let clean = false;
    try {
      await fsp.unlink(marker);
      clean = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.unlock();
        throw err;
      }
    }
    if (clean) await fsyncDir(this.dataDir); // gone for good before anything is written
    this.startedClean = clean;
    this.initialized = true;
    this.logger.info(
      { dataDir: this.dataDir, cleanShutdown: clean },
      fresh ? 'new data directory' : clean ? 'previous shutdown was clean' : 'previous shutdown was not clean: logs are recovered fully',
    );
  }

  /** init() found the marker of a clean shutdown (and removed it). */
  get cleanShutdown(): boolean {
    return this.startedClean;
  }

  private async lock(): Promise<void> {
    const lockPath = path.resolve(this.dataDir, LOCK_FILE);
    for (let attempt = 0; attempt < 5; attempt++) {
      // write the pid to a private file, then link it into place: the lock
      // appears atomically and complete, and only if there is none yet
      const tmp = `${lockPath}.${process.pid}.${attempt}.tmp`;
      await fsp.writeFile(tmp, `${process.pid}\n`);
      try {
        await fsp.link(tmp, lockPath);
        heldLocks.add(lockPath);
        this.lockPath = lockPath;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      let content = '';
      try {
        content = await fsp.readFile(lockPath, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw err;
      }
      const holder = Number.parseInt(content.trim(), 10);
      const valid = Number.isInteger(holder) && holder > 0;
      const ours = holder === process.pid;
      if (valid && ((ours && heldLocks.has(lockPath)) || (!ours && processAlive(holder)))) {
        throw new DataDirLockedError(
          `data directory ${this.dataDir} is locked by ${ours ? 'this process' : `process ${holder}`} (${lockPath}); is another broker running on it?`,
        );
      }
      this.logger.warn({ lockPath, holder: content.trim() }, 'taking over a stale data directory lock');
      await fsp.rm(lockPath, { force: true });
    }
    throw new DataDirLockedError(`could not take the lock ${lockPath}`);
  }

  private unlock(): void {
    const lockPath = this.lockPath;
    if (lockPath === null) return;
    this.lockPath = null;
    heldLocks.delete(lockPath);
    try {
      if (Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10) === process.pid) fs.unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }

  partitionDir(topic: string, partition: number): string {
    return path.join(this.dataDir, `${topic}-${partition}`);
  }

  /** Opens (once) the log of a partition; later calls return the same instance. */
  openLog(topic: string, partition: number, config: LogConfig): Promise<PartitionLog> {
    if (this.closed) return Promise.reject(new Error('log manager is closed'));
    const key = `${topic}-${partition}`;
    const open = this.logs.get(key);
    if (open) return Promise.resolve(open);
    let p = this.opening.get(key);
    if (!p) {
      p = PartitionLog.open(this.partitionDir(topic, partition), config, this.logger, { cleanShutdown: this.startedClean }).then(
        (log) => {
          this.opening.delete(key);
          this.logs.set(key, log);
          this.opened.add(key);
          return log;
        },
        (err) => {
          this.opening.delete(key);
          this.openFailed = true;
          throw err;
        },
      );
      this.opening.set(key, p);
    }
    return p;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(`${topic}-${partition}`);
  }

  /** Closes the partition's log (if open) and removes its directory. */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    const opening = this.opening.get(key);
    if (opening) await opening.catch(() => undefined);
    const log = this.logs.get(key);
    this.logs.delete(key);
    this.opened.delete(key);
    if (log) await log.delete();
    else await fsp.rm(this.partitionDir(topic, partition), { recursive: true, force: true });
  }

  /**
   * Renames every partition directory whose name is not in `expected` to
   * `<name>.<time>-stray` (Kafka's word for them) and returns the old names.
   * Such directories belong to no topic (e.g. a crash between a topic's
   * deletion and the removal of its files); a new topic of the same name must
   * not pick up their data, and nothing is deleted that an operator may want.
   */
  async quarantineStrayDirs(expected: ReadonlySet<string>): Promise<string[]> {
    const stray: string[] = [];
    for (const e of await fsp.readdir(this.dataDir, { withFileTypes: true })) {
      if (!e.isDirectory() || !PARTITION_DIR.test(e.name) || expected.has(e.name)) continue;
      const target = `${e.name}.${Date.now()}-stray`;
      await fsp.rename(path.join(this.dataDir, e.name), path.join(this.dataDir, target));
      this.logger.warn({ dir: e.name, renamedTo: target }, 'partition directory belongs to no topic; set aside');
      stray.push(e.name);
    }
    return stray;
  }

  allLogs(): Iterable<[string, PartitionLog]> {
    return this.logs.entries();
  }

  /** Every open log: maybeRoll, then retention. Failures are logged per log. */
  async applyRetention(nowMs: number = Date.now()): Promise<void> {
    for (const [key, log] of [...this.logs]) {
      try {
        log.maybeRoll(nowMs);
        await log.applyRetention(nowMs);
      } catch (err) {
        this.logger.warn({ log: key, err: String(err) }, 'retention failed');
      }
    }
  }

  /** Closes every log, writes the clean-shutdown marker if all went well, and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.opening.values()].map((p) => p.catch(() => undefined)));
    const logs = [...this.logs.values()];
    this.logs.clear();
    const closed = await Promise.all(
      logs.map((l) =>
        l.close().then(
          () => l.closedCleanly,
          (err) => {
            this.logger.warn({ dir: l.dir, err: String(err) }, 'closing log failed');
            return false;
          },
        ),
      ),
    );
    try {
      if (this.initialized) await this.writeCleanShutdownMarker(closed.every((ok) => ok));
    } finally {
      this.unlock();
    }
  }

  private async writeCleanShutdownMarker(allClosedCleanly: boolean): Promise<void> {
    let why: string | null = null;
    if (!allClosedCleanly) why = 'a log did not close cleanly';
    else if (this.openFailed) why = 'a log failed to open';
    else if (!this.startedClean) {
      const unrecovered: string[] = [];
      try {
        for (const e of await fsp.readdir(this.dataDir, { withFileTypes: true })) {
          if (e.isDirectory() && PARTITION_DIR.test(e.name) && !this.opened.has(e.name)) unrecovered.push(e.name);
        }
      } catch (err) {
        why = `data directory unreadable: ${String(err)}`;
      }
      if (unrecovered.length > 0) why = `partition directories not opened since an unclean start: ${unrecovered.slice(0, 10).join(', ')}`;
    }
    if (why !== null) {
      this.logger.warn({ dataDir: this.dataDir, reason: why }, 'not marking the shutdown clean: the next start recovers every log fully');
      return;
    }
    try {
      await writeFileAtomic(path.join(this.dataDir, CLEAN_SHUTDOWN_FILE), '');
    } catch (err) {
      this.logger.warn({ dataDir: this.dataDir, err: String(err) }, 'could not write the clean-shutdown marker');
    }
  }
}
