/**
 * What the benchmarks need to talk to a broker: request framing through the
 * broker's own codecs (from dist/), a pipelined client that matches answers
 * to requests in order, and process helpers.
 */
'use strict';
const net = require('node:net');
const { join, resolve } = require('node:path');

const dist = resolve(__dirname, '../dist');
const { Reader, Writer } = require(join(dist, 'protocol/primitives'));
const header = require(join(dist, 'protocol/header'));
const { FrameSplitter } = require(join(dist, 'server/frame-splitter'));

function encodeRequest(apiKey, codec, version, body, correlationId) {
  const h = { apiKey, apiVersion: version, correlationId, clientId: 'bench' };
  const hv = header.requestHeaderVersion(codec.isFlexible(version));
  const bytes = codec.encode(body, version);
  const hs = header.requestHeaderSize(h, hv);
  const w = new Writer(4 + hs + bytes.length);
  w.int32(hs + bytes.length);
  header.writeRequestHeader(w, h, hv);
  w.raw(bytes);
  return Buffer.concat(w.finish());
}

function connectRetry(port, deadline) {
  return new Promise((resolveConn, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolveConn(s));
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error('could not connect'));
        else setTimeout(attempt, 2);
      });
    };
    attempt();
  });
}

/** Requests in flight on one connection; answers come back in request order. */
class WireClient {
  constructor(socket) {
    this.socket = socket;
    this.correlationId = 0;
    this.waiting = [];
    const splitter = new FrameSplitter(1 << 30);
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      for (const frame of splitter.push(d)) {
        const w = this.waiting.shift();
        const r = new Reader(frame);
        header.readResponseHeader(r, header.responseHeaderVersion(w.apiKey, w.response.isFlexible(w.version)));
        w.resolve(w.response.decode(r, w.version));
      }
    });
  }

  static async open(port) {
    return new WireClient(await connectRetry(port, Date.now() + 10000));
  }

  /** Sends a request; resolves to the decoded answer. */
  request(apiKey, codecs, version, body) {
    return new Promise((resolveAnswer) => {
      this.waiting.push({ apiKey, response: codecs.response, version, resolve: resolveAnswer });
      this.socket.write(encodeRequest(apiKey, codecs.request, version, body, ++this.correlationId));
    });
  }

  close() {
    this.socket.destroy();
  }
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  return port;
}

function stopChild(child) {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', r);
    child.kill('SIGTERM');
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

module.exports = { dist, encodeRequest, connectRetry, WireClient, freePort, stopChild, median, FrameSplitter };
