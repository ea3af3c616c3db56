/**
 * Processes the benchmarks start and watch: the broker (dist/kafkats.js) on a
 * fresh data directory, the floor servers, and /proc figures for a pid.
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { dist, connectRetry, freePort, stopChild } = require('./wire');

const CLK_TCK = 100;
const children = new Set();

/** Every child still running is killed on exit, so a failed section leaves nothing behind. */
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

// Ctrl-C or a kill of the bench: exit through the handler above.
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts a node script as its own process, waits until its port accepts a connection. */
async function startNode(nodeArgs, port, { env, tmp } = {}) {
  const child = track(spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } }));
  const s = await connectRetry(port, Date.now() + 15000);
  s.destroy();
  return {
    port,
    pid: child.pid,
    child,
    async stop() {
      await stopChild(child);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * The broker on a fresh data directory; extra flags appended. Node flags for
 * the broker process (e.g. --cpu-prof) from BENCH_BROKER_NODE_FLAGS.
 */
async function startBroker(extra = [], nodeFlags = (process.env.BENCH_BROKER_NODE_FLAGS || '').split(' ').filter(Boolean)) {
  const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-'));
  const port = await freePort();
  const b = await startNode([...nodeFlags, join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn', ...extra], port, { tmp: dir });
  b.dir = dir;
  return b;
}

/** A floor server (floor-server.js) in `mode` 'append' or 'serve'. */
async function startFloor(mode, responseBytes = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'kafkats-floor-'));
  const port = await freePort();
  return startNode([join(__dirname, 'floor-server.js'), String(port), join(dir, 'log'), mode, String(responseBytes)], port, { tmp: dir });
}

/** utime + stime of a process, seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function statusKb(pid, key) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)[1]);
}

const rssMb = (pid) => statusKb(pid, 'VmRSS') / 1024;
const hwmMb = (pid) => statusKb(pid, 'VmHWM') / 1024;

/** Samples VmRSS every `ms` until stopped; returns the peak seen and VmHWM. */
function rssSampler(pid, ms = 50) {
  let peak = 0;
  const t = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      /* process gone */
    }
  }, ms);
  return {
    stop() {
      clearInterval(t);
      let hwm = 0;
      try {
        peak = Math.max(peak, rssMb(pid));
        hwm = hwmMb(pid);
      } catch {
        /* process gone */
      }
      return { peakMb: peak, hwmMb: hwm };
    },
  };
}

module.exports = { statusKb, startBroker, startFloor, startNode, track, cpuSeconds, rssMb, hwmMb, rssSampler };
