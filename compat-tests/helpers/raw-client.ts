/**
 * A bare TCP client speaking the protocol through our own codec, for what no
 * real client will send: old or unknown versions, corrupt batches, garbage.
 */
import { Socket, connect } from 'node:net';
import { MessageCodec } from '../../src/protocol/codec';
import {
  readResponseHeader,
  requestHeaderSize,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
} from '../../src/protocol/header';
import { Reader, Writer } from '../../src/protocol/primitives';
import { InputOf, MessageSpec, ValueOf } from '../../src/protocol/schema';
import { FrameSplitter } from '../../src/server/frame-splitter';

export class RawClient {
  private readonly splitter = new FrameSplitter(1 << 30);
  private readonly frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private correlationId = 1;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.frames.push(...this.splitter.push(d));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves to the next response frame, or null if the broker closed the connection. */
  async nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed) {
      if (Date.now() > deadline) throw new Error('no response');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.frames.shift() ?? null;
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Encodes and sends a request; returns its correlation id. */
  send<S extends MessageSpec>(apiKey: number, codec: MessageCodec<S>, version: number, body: InputOf<S>): number {
    const correlationId = this.correlationId++;
    const header = { apiKey, apiVersion: version, correlationId, clientId: 'raw-client' };
    const hv = requestHeaderVersion(codec.isFlexible(version));
    const bodyBytes = codec.encode(body, version);
    const w = new Writer(4 + requestHeaderSize(header, hv) + bodyBytes.length);
    w.int32(requestHeaderSize(header, hv) + bodyBytes.length);
    writeRequestHeader(w, header, hv);
    w.raw(bodyBytes);
    this.socket.write(Buffer.concat(w.finish()));
    return correlationId;
  }

  /** Sends a request and decodes its response. */
  async request<Q extends MessageSpec, R extends MessageSpec>(
    apiKey: number,
    req: MessageCodec<Q>,
    res: MessageCodec<R>,
    version: number,
    body: InputOf<Q>,
  ): Promise<ValueOf<R>> {
    const id = this.send(apiKey, req, version, body);
    const frame = await this.nextFrame();
    if (!frame) throw new Error('connection closed by the broker');
    const r = new Reader(frame);
    const got = readResponseHeader(r, responseHeaderVersion(apiKey, res.isFlexible(version)));
    if (got !== id) throw new Error(`correlation id ${got}, expected ${id}`);
    return res.decode(r, version);
  }

  /**
   * Like request(), but any number may be in flight on the connection: the
   * broker answers in request order, so answers are matched to requests
   * in order (and checked by correlation id).
   */
  pipeline<Q extends MessageSpec, R extends MessageSpec>(
    apiKey: number,
    req: MessageCodec<Q>,
    res: MessageCodec<R>,
    version: number,
    body: InputOf<Q>,
    timeoutMs = 30000,
  ): Promise<ValueOf<R>> {
    const id = this.send(apiKey, req, version, body);
    return new Promise<ValueOf<R>>((resolve, reject) => {
      const decode = (r: Reader) => {
        const got = readResponseHeader(r, responseHeaderVersion(apiKey, res.isFlexible(version)));
        if (got !== id) throw new Error(`correlation id ${got}, expected ${id}`);
        return res.decode(r, version);
      };
      this.inFlight.push({ decode, resolve: resolve as (v: unknown) => void, reject });
      void this.pump(timeoutMs);
    });
  }

  private readonly inFlight: { decode: (r: Reader) => unknown; resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private pumping = false;

  private async pump(timeoutMs: number): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.inFlight.length > 0) {
        let frame: Buffer | null;
        try {
          frame = await this.nextFrame(timeoutMs);
        } catch (err) {
          for (const w of this.inFlight.splice(0)) w.reject(err as Error);
          return;
        }
        if (!frame) {
          for (const w of this.inFlight.splice(0)) w.reject(new Error('connection closed by the broker'));
          return;
        }
        const head = this.inFlight.shift()!;
        try {
          head.resolve(head.decode(new Reader(frame)));
        } catch (err) {
          head.reject(err as Error);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
