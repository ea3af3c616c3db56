/**
 * The load generator every throughput figure uses, for the broker and for
 * the floor servers alike: one connection, `inFlight` requests outstanding,
 * frames prepared by the caller (prebuilt record batches), answers counted
 * by their size prefix only (no decoding, no copying), so the generator
 * itself stays cheap next to the server it drives.
 */
'use strict';
const { connectRetry } = require('./wire');

/**
 * Sends frames from `frameAt(i)` (i = 0, 1, ...) until `requests` were sent
 * or `seconds` passed, at most `inFlight` unanswered; resolves when every
 * sent frame is answered. Optional `onFrameEnd(i)` runs as answer i ends.
 */
async function drive(port, { frameAt, requests = Infinity, seconds = Infinity, inFlight = 8, onAnswer }) {
  const socket = await connectRetry(port, Date.now() + 10000);
  socket.setNoDelay(true);
  let sent = 0;
  let answered = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  // Frame splitting by size prefix: `remaining` bytes of the current frame still to come.
  let remaining = 0;
  let head = Buffer.alloc(0);
  await new Promise((resolveLoad, reject) => {
    let stopping = false;
    const pump = () => {
      if (!stopping && Date.now() >= deadline) stopping = true;
      while (!stopping && sent < requests && sent - answered < inFlight) {
        const f = frameAt(sent);
        sent++;
        bytesSent += f.length;
        socket.write(f);
      }
      if (answered >= sent && (stopping || sent >= requests)) resolveLoad();
    };
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${answered} answers`)));
    socket.on('data', (d) => {
      bytesReceived += d.length;
      let pos = 0;
      while (pos < d.length) {
        if (remaining > 0) {
          const take = Math.min(remaining, d.length - pos);
          remaining -= take;
          pos += take;
          if (remaining === 0) {
            if (onAnswer) onAnswer(answered);
            answered++;
          }
          continue;
        }
        const need = 4 - head.length;
        const part = d.subarray(pos, pos + need);
        head = head.length ? Buffer.concat([head, part]) : part;
        pos += part.length;
        if (head.length === 4) {
          remaining = head.readInt32BE(0);
          head = Buffer.alloc(0);
          if (remaining === 0) {
            if (onAnswer) onAnswer(answered);
            answered++;
          }
        }
      }
      pump();
    });
    pump();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  socket.removeAllListeners('close');
  socket.destroy();
  return { requests: sent, seconds: secs, bytesSent, bytesReceived };
}

module.exports = { drive };
