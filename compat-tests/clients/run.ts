/**
 * Runs one of the client scripts in this folder as a child process and parses
 * the JSON document it prints. The Python scripts run with Debian's
 * /usr/bin/python3, the interpreter that sees python3-kafka and
 * python3-confluent-kafka (a python3 earlier on PATH may not).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fetchRequest, fetchResponse } from '../../src/protocol/messages';
import { RawClient } from '../helpers/raw-client';
import { fetchBody } from '../helpers/requests';

export const PYTHON = '/usr/bin/python3';

export interface ClientRun<T> {
  code: number | null;
  /** The JSON document printed on stdout (null when there was none). */
  json: T;
  stdout: string;
  stderr: string;
}

/** `program script bootstrap command JSON(args)`, killed after timeoutMs. */
export function runScript<T = any>(
  program: string,
  script: string,
  bootstrap: string,
  command: string,
  args: unknown = {},
  timeoutMs = 30000,
): Promise<ClientRun<T>> {
  const path = resolve(__dirname, script);
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(program, [path, bootstrap, command, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} ${command} timed out after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      let json: T;
      try {
        json = last ? JSON.parse(last) : (null as T);
      } catch {
        reject(new Error(`${script} ${command} printed no JSON (exit ${code}); stdout: ${stdout}; stderr: ${stderr}`));
        return;
      }
      resolvePromise({ code, json, stdout, stderr });
    });
  });
}

/** Like runScript, but fails unless the script exited 0. */
export async function runOk<T = any>(program: string, script: string, bootstrap: string, command: string, args: unknown = {}, timeoutMs?: number): Promise<T> {
  const r = await runScript<T>(program, script, bootstrap, command, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${script} ${command} exited ${r.code}; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  return r.json;
}

/**
 * The record batches of partition 0 of `topic` (base offset and record
 * count of each), as a Fetch from offset 0 returns them: lets a test make
 * sure the records it looks up sit inside one batch.
 */
export async function recordBatches(port: number, topic: string): Promise<{ baseOffset: number; count: number }[]> {
  const c = await RawClient.open(port);
  try {
    const res = await c.request(1, fetchRequest, fetchResponse, 11, fetchBody(topic, 0n, 0));
    const records = res.responses[0].partitions[0].records as Buffer;
    const out: { baseOffset: number; count: number }[] = [];
    // baseOffset int64 @0, batchLength int32 @8, recordCount int32 @57.
    for (let pos = 0; pos + 61 <= records.length; pos += 12 + records.readInt32BE(pos + 8)) {
      out.push({ baseOffset: Number(records.readBigInt64BE(pos)), count: records.readInt32BE(pos + 57) });
    }
    return out;
  } finally {
    c.close();
  }
}

/** A client script bound to a broker: `ok` fails unless the script exits 0, `raw` returns whatever happened. */
export function scriptClient(program: string, script: string, bootstrap: () => string, timeoutMs = 25000) {
  return {
    ok: <T = any>(command: string, args: unknown = {}) => runOk<T>(program, script, bootstrap(), command, args, timeoutMs),
    raw: (command: string, args: unknown = {}) => runScript(program, script, bootstrap(), command, args, timeoutMs),
  };
}

/** A client script left running: every JSON line it prints, as it prints them. */
export interface RunningScript<T = any> {
  /** The JSON lines printed so far. */
  readonly lines: T[];
  /** Resolves with the first line (already printed or still to come) that matches, or fails after timeoutMs. */
  waitFor(match: (line: T) => boolean, timeoutMs: number, what: string): Promise<T>;
  /** SIGKILL (no goodbye to the broker) and wait for the exit. */
  kill(): Promise<void>;
  /** Everything it wrote on stderr. */
  stderr(): string;
}

/** `program script bootstrap command JSON(args)` left running; see RunningScript. */
export function spawnScript<T = any>(program: string, script: string, bootstrap: string, command: string, args: unknown = {}): RunningScript<T> {
  const proc = spawn(program, [resolve(__dirname, script), bootstrap, command, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: T[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  let partial = '';
  proc.stdout.on('data', (d) => {
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).trim();
      partial = partial.slice(nl + 1);
      if (!line) continue;
      try {
        lines.push(JSON.parse(line));
      } catch {
        continue;
      }
      for (const w of [...waiters]) w();
    }
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    lines,
    stderr: () => stderr,
    waitFor(match, timeoutMs, what) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolvePromise(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${script} ${command}: no ${what} within ${timeoutMs} ms; lines: ${JSON.stringify(lines)}; stderr: ${stderr}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
