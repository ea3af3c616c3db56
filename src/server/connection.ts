/**
 * One client socket. Splits frames, starts each request as it arrives (so a
 * pipelining client keeps the broker busy), and writes responses strictly in
 * request order: a response that finishes early waits for those before it.
 *
 * Back-pressure: reading pauses while too many requests are in flight or the
 * socket's write buffer is full. A malformed or oversized frame closes this
 * connection only, with a log line saying why.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { MalformedError } from '../protocol/primitives';
import { fetchReadPool } from '../storage/read-buffer-pool';
import { Dispatcher, ProtocolViolation } from './dispatcher';
import { FrameSplitter, FrameTooLargeError } from './frame-splitter';
import { CloseConnection } from './handler';

const MAX_IN_FLIGHT = 256;

interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
}

export class Connection {
  private readonly splitter: FrameSplitter;
  private readonly slots: Slot[] = [];
  private head = 0;
  private closed = false;
  private paused = false;
  private reading = true;
  private flushScheduled = false;
  /** Requests started and not yet answered by the dispatcher. */
  private unfinished = 0;
  private idleWaiters: (() => void)[] = [];
  /** The peer's address as Kafka prints an InetAddress ("/127.0.0.1"). */
  private readonly clientHost: string;

  constructor(
    readonly socket: Socket,
    private readonly dispatcher: Dispatcher,
    readonly log: Logger,
    maxRequestBytes: number,
  ) {
    this.splitter = new FrameSplitter(maxRequestBytes);
    this.clientHost = `/${socket.remoteAddress ?? ''}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.notifyIdle();
    });
  }

  get inFlight(): number {
    return this.slots.length - this.head;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.splitter.push(chunk);
    } catch (err) {
      if (err instanceof FrameTooLargeError) return this.abort(err.message);
      throw err;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.start(frame);
    }
    this.maybePause();
  }

  private start(frame: Buffer): void {
    const slot: Slot = { done: false, chunks: null };
    this.slots.push(slot);
    this.unfinished++;
    this.dispatcher.dispatch(frame, this.log, this.clientHost).then(
      (chunks) => {
        slot.done = true;
        slot.chunks = chunks;
        this.unfinished--;
        this.scheduleFlush();
      },
      (err: unknown) => {
        if (err instanceof CloseConnection) {
          this.abort(err.message);
        } else if (err instanceof ProtocolViolation || err instanceof MalformedError) {
          this.abort(`malformed or unsupported request: ${err.message}`);
        } else {
          this.log.error({ err }, 'request failed inside the broker; closing the connection');
          this.abort('internal error');
        }
      },
    );
  }

  /**
   * Responses that finish in one event-loop turn go out together, in one
   * corked write: at once when no request in flight is still unanswered,
   * else after the turn's other work (setImmediate). A pipelining client
   * whose requests were appended in one log write gets their answers in one
   * socket write, not one each (each write to a loopback socket costs a
   * system call and a wake-up of the reader).
   */
  private scheduleFlush(): void {
    if (this.unfinished === 0) {
      // every request in flight is answered: nothing to wait for
      this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes every finished response at the head of the queue, in order. */
  private flush(): void {
    if (this.closed) return;
    let corked = false;
    while (this.head < this.slots.length && this.slots[this.head].done) {
      const slot = this.slots[this.head++];
      if (slot.chunks) {
        if (!corked) {
          this.socket.cork();
          corked = true;
        }
        // Pooled read buffers among the chunks go back to their pool once the last one is written.
        const written = fetchReadPool.releaseWhenWritten(slot.chunks);
        const last = slot.chunks.length - 1;
        for (let i = 0; i < last; i++) this.socket.write(slot.chunks[i]);
        if (last >= 0) this.socket.write(slot.chunks[last], written);
        // the socket holds what it still has to send; the slot must not keep a (possibly large) answer alive
        slot.chunks = null;
      }
    }
    if (corked) this.socket.uncork();
    if (this.head > 64 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    if (this.inFlight === 0) this.notifyIdle();
    this.maybeResume();
  }

  private maybePause(): void {
    if (!this.paused && (this.inFlight >= MAX_IN_FLIGHT || this.socket.writableNeedDrain)) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.reading && this.inFlight < MAX_IN_FLIGHT && !this.socket.writableNeedDrain && !this.closed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private abort(reason: string): void {
    if (this.closed) return;
    this.log.warn({ remote: `${this.socket.remoteAddress}:${this.socket.remotePort}` }, `closing connection: ${reason}`);
    this.closed = true;
    this.socket.destroy();
    this.notifyIdle();
  }

  /** Resolves once no request is in flight (or the socket is gone). */
  whenIdle(): Promise<void> {
    if (this.closed || this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  /** Stops reading new requests (graceful shutdown lets the in-flight ones finish). */
  stopReading(): void {
    this.reading = false;
    this.paused = true;
    this.socket.pause();
  }

  /** Ends the connection after the responses already written; a peer that never closes its side is cut after a second. */
  close(): void {
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}
