#!/usr/bin/env node
/**
 * The floor the broker is compared with: a minimal Node TCP server that
 * splits size-prefixed frames and, per frame,
 * - mode 'append': appends the frame to a file and answers a tiny ack
 *   (size 4, the request's correlation id);
 * - mode 'serve': answers a prepared buffer of N bytes (size prefix, the
 *   request's correlation id, then filler), reading nothing from disk.
 * It does no parsing beyond the frame length and correlation id, so it is
 * what Node, the loopback and the file system cost at the least.
 *
 *   node bench/floor-server.js PORT FILE MODE [N]
 */
'use strict';
const net = require('node:net');
const fs = require('node:fs');

const [port, file, mode, n] = process.argv.slice(2);
const fd = fs.openSync(file, 'a');
const prepared = Buffer.alloc(Math.max(8, Number(n) || 8), 0x61);
prepared.writeInt32BE(prepared.length - 4, 0);

net
  .createServer((socket) => {
    socket.setNoDelay(true);
    let pending = [];
    let pendingBytes = 0;
    socket.on('data', (chunk) => {
      let buf = pendingBytes ? Buffer.concat([...pending, chunk]) : chunk;
      pending = [];
      pendingBytes = 0;
      let pos = 0;
      const frames = [];
      while (buf.length - pos >= 4) {
        const size = buf.readInt32BE(pos);
        if (buf.length - pos - 4 < size) break;
        frames.push(buf.subarray(pos, pos + 4 + size));
        pos += 4 + size;
      }
      if (pos < buf.length) {
        pending.push(buf.subarray(pos));
        pendingBytes = buf.length - pos;
      }
      if (frames.length === 0) return;
      if (mode === 'append') {
        fs.writevSync(fd, frames);
        const ack = Buffer.alloc(8 * frames.length);
        frames.forEach((f, i) => {
          ack.writeInt32BE(4, i * 8);
          ack.writeInt32BE(f.readInt32BE(8), i * 8 + 4);
        });
        socket.write(ack);
      } else {
        for (const f of frames) {
          const out = Buffer.from(prepared);
          out.writeInt32BE(f.readInt32BE(8), 4);
          socket.write(out);
        }
      }
    });
    socket.on('error', () => socket.destroy());
  })
  .listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
