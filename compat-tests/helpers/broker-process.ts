/**
 * Runs the built broker (dist/kafkats.js) as its own process on a random
 * port and a temporary data directory, the way a user runs it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';

const CLI = resolve(__dirname, '../../dist/kafkats.js');

export interface BrokerProcess {
  port: number;
  dataDir: string;
  bootstrap: string;
  /** Every log line the broker printed, parsed. */
  logs: Record<string, unknown>[];
  /** The running broker process's id (it changes at a restart). */
  readonly pid: number;
  /** Graceful stop (SIGTERM) and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Starts the broker again on the same data directory and port. */
  restart(): Promise<void>;
  /** Stops it (if running) and removes the data directory. */
  cleanup(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  /** Another built entry point than dist/kafkats.js (a copy of dist/, say). */
  cli?: string;
  args?: string[];
  env?: Record<string, string>;
}

export async function startBroker(opts: StartOptions = {}): Promise<BrokerProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kafkats-compat-'));
  let child: ChildProcess | null = null;
  let exited: Promise<number | null> = Promise.resolve(null);
  const logs: Record<string, unknown>[] = [];

  const launch = (port: number) =>
    new Promise<number>((resolveStart, reject) => {
      const proc = spawn(process.execPath, [opts.cli ?? CLI, '--port', String(port), '--data-dir', dataDir, '--log-level', 'info', ...(opts.args ?? [])], {
        env: { ...process.env, ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      let stderr = '';
      proc.stderr!.on('data', (d) => (stderr += d));
      exited = new Promise((r) => proc.once('exit', (code) => r(code)));
      const timer = setTimeout(() => reject(new Error(`broker did not start in 15 s; stderr: ${stderr}`)), 15000);
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        logs.push(entry);
        if (entry.msg === 'broker listening') {
          clearTimeout(timer);
          resolveStart(entry.port as number);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`broker exited with ${code} before listening; stderr: ${stderr}`));
      });
    });

  const port = await launch(0);
  const self: BrokerProcess = {
    port,
    dataDir,
    bootstrap: `127.0.0.1:${port}`,
    logs,
    get pid() {
      return child!.pid!;
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await self.stop();
      await launch(port);
    },
    async cleanup() {
      await self.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

/**
 * One broker for a whole test file: started in beforeAll, removed in
 * afterAll. Read it as `handle.current` inside tests.
 */
export function useBroker(opts: StartOptions = {}, timeoutMs = 30000): { readonly current: BrokerProcess } {
  const handle = {} as { current: BrokerProcess };
  beforeAll(async () => {
    handle.current = await startBroker(opts);
  }, timeoutMs);
  afterAll(async () => {
    await handle.current?.cleanup();
  }, timeoutMs);
  return handle;
}

/**
 * A kafkajs admin and producer (no auto-creation) connected to the file's
 * broker for its whole run; read them as `clients.admin` and
 * `clients.producer` inside tests.
 */
export function useKafkajsClients(
  broker: { readonly current: BrokerProcess },
  clientId: string,
  timeoutMs = 30000,
): { readonly admin: Admin; readonly producer: Producer } {
  const clients = {} as { admin: Admin; producer: Producer };
  beforeAll(async () => {
    const kafka = new Kafka({ clientId, brokers: [broker.current.bootstrap], logLevel: logLevel.NOTHING });
    clients.admin = kafka.admin();
    clients.producer = kafka.producer({ allowAutoTopicCreation: false });
    await clients.admin.connect();
    await clients.producer.connect();
  }, timeoutMs);
  afterAll(async () => {
    await clients.producer?.disconnect();
    await clients.admin?.disconnect();
  }, timeoutMs);
  return clients;
}
