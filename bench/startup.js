/**
 * Start-up: spawn to first answered Metadata request of the broker on a
 * fresh data directory, next to a bare `node` process that only opens a
 * listener and answers, measured alternately in the same run (median).
 * dist/kafkats.js keeps a V8 code cache next to the bundle (written at the
 * first start after a build; src/server/launcher.ts): the figure is with the
 * cache in place, as every start after the first; each run also starts once
 * with --code-cache off, printed in the details.
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { dist, encodeRequest, connectRetry, freePort, stopChild, median, FrameSplitter } = require('./wire');
const { track } = require('./proc');
const { metadataRequest } = require(join(dist, 'protocol/messages'));

/** Sends one request frame and resolves when any response frame arrives. */
function roundTrip(socket, frame) {
  return new Promise((resolveRt) => {
    const splitter = new FrameSplitter(1 << 30);
    const onData = (d) => {
      if (splitter.push(d).length > 0) {
        socket.off('data', onData);
        resolveRt();
      }
    };
    socket.on('data', onData);
    socket.write(frame);
  });
}

/** Spawn to first answer; the child is left running for the caller. */
async function timeToFirstAnswer(command, commandArgs, port, frame) {
  const t0 = process.hrtime.bigint();
  const child = track(spawn(command, commandArgs, { stdio: 'ignore' }));
  const socket = await connectRetry(port, Date.now() + 10000);
  await roundTrip(socket, frame);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  socket.destroy();
  return { ms, child };
}

const BARE_LISTENER = `require('net').createServer((s) => s.on('data', (d) => { const b = Buffer.alloc(8); b.writeInt32BE(4); b.writeInt32BE(d.readInt32BE(8), 4); s.write(b); })).listen(Number(process.argv[1]), '127.0.0.1');`;

async function startupSection({ quick }) {
  const runs = quick ? 3 : 7;
  const metadata = encodeRequest(3, metadataRequest, 1, { topics: [] }, 1);
  const broker = [];
  const cold = [];
  const bare = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'kafkats-bench-'));
    try {
      let port = await freePort();
      // every run also starts once without the code cache (what a first start after a build costs)
      const c = await timeToFirstAnswer(process.execPath, [join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn', '--code-cache', 'off'], port, metadata);
      cold.push(c.ms);
      await stopChild(c.child);
      rmSync(dir, { recursive: true, force: true });
      port = await freePort();
      const b = await timeToFirstAnswer(process.execPath, [join(dist, 'kafkats.js'), '--port', String(port), '--data-dir', dir, '--log-level', 'warn'], port, metadata);
      broker.push(b.ms);
      await stopChild(b.child);
      port = await freePort();
      const n = await timeToFirstAnswer(process.execPath, ['-e', BARE_LISTENER, String(port)], port, metadata);
      bare.push(n.ms);
      await stopChild(n.child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const brokerMs = median(broker);
  const bareMs = median(bare);
  return [
    { figure: `floor: bare node listener, spawn to first answer (median of ${runs})`, value: bareMs, unit: 'ms' },
    {
      figure: `start-up, spawn to first answered Metadata (median of ${runs}, V8 code cache in place)`,
      value: brokerMs,
      unit: 'ms',
      ratio: brokerMs / bareMs,
      target: '< 1.3x bare node',
      met: brokerMs / bareMs < 1.3,
      extra: `without the code cache (--code-cache off, a first start after a build): median ${median(cold).toFixed(1)} ms, ${(median(cold) / bareMs).toFixed(2)}x bare node`,
    },
  ];
}

module.exports = { startupSection, roundTrip };
