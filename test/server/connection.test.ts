/**
 * Connection's response writing, over a real loopback socket: answers go out
 * in request order whatever order they finish in, and the answers that
 * finish in one event-loop turn leave in one corked socket write.
 */
import * as net from 'node:net';
import pino from 'pino';
import { Connection } from '../../src/server/connection';
import type { Dispatcher } from '../../src/server/dispatcher';

/** A dispatcher whose answers the test releases by hand: answer i echoes frame i's body. */
class HeldDispatcher {
  readonly held: { frame: Buffer; release: () => void }[] = [];
  dispatch(frame: Buffer): Promise<Buffer[] | null> {
    return new Promise((resolve) => {
      const out = Buffer.alloc(4 + frame.length);
      out.writeInt32BE(frame.length);
      frame.copy(out, 4);
      this.held.push({ frame, release: () => resolve([out]) });
    });
  }
}

function frame(text: string): Buffer {
  const body = Buffer.from(text);
  const f = Buffer.alloc(4 + body.length);
  f.writeInt32BE(body.length);
  body.copy(f, 4);
  return f;
}

async function connected(): Promise<{ server: net.Server; client: net.Socket; serverSide: net.Socket }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  return { server, client, serverSide: await accepted };
}

function received(client: net.Socket, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    client.on('data', (d: Buffer) => {
      chunks.push(d);
      n += d.length;
      if (n >= bytes) resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

const turn = () => new Promise((r) => setImmediate(r));

describe('Connection response writing', () => {
  let env: Awaited<ReturnType<typeof connected>>;
  beforeEach(async () => {
    env = await connected();
  });
  /** A Connection on the server side of the socket pair, answering through a HeldDispatcher. */
  function open() {
    const d = new HeldDispatcher();
    const conn = new Connection(env.serverSide, d as unknown as Dispatcher, pino({ level: 'silent' }), 1 << 20);
    return { d, conn };
  }
  afterEach(async () => {
    env.client.destroy();
    env.serverSide.destroy();
    await new Promise((r) => env.server.close(r));
  });

  test('answers finishing in one turn leave in one write, in request order', async () => {
    const { d, conn } = open();
    const uncork = jest.spyOn(env.serverSide, 'uncork');
    const write = jest.spyOn(env.serverSide, 'write');
    env.client.write(Buffer.concat(['a', 'b', 'c', 'd'].map(frame)));
    while (d.held.length < 4) await turn();
    expect(conn.inFlight).toBe(4);
    const got = received(env.client, 4 * 5);
    // finished out of order, all in this turn
    for (const i of [2, 0, 3, 1]) d.held[i].release();
    await turn();
    await turn();
    expect(uncork).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledTimes(4);
    expect(await got).toBe('\0\0\0\x01a\0\0\0\x01b\0\0\0\x01c\0\0\0\x01d');
    expect(conn.inFlight).toBe(0);
  });

  test('an answer behind an unfinished one waits for it; finished answers at the head go out without waiting for the turn to end', async () => {
    const { d, conn } = open();
    const write = jest.spyOn(env.serverSide, 'write');
    env.client.write(Buffer.concat(['x', 'y'].map(frame)));
    while (d.held.length < 2) await turn();
    const got = received(env.client, 2 * 5);
    d.held[1].release();
    await turn();
    await turn();
    expect(write).toHaveBeenCalledTimes(0); // y waits behind x
    d.held[0].release();
    // every request in flight is answered now: written at once, in the same microtask checkpoint
    await Promise.resolve();
    await Promise.resolve();
    expect(write).toHaveBeenCalledTimes(2);
    expect(await got).toBe('\0\0\0\x01x\0\0\0\x01y');
    expect(conn.inFlight).toBe(0);
  });

  test('written answers are not kept: the queue holds only what is in flight or unwritten', async () => {
    const { d, conn } = open();
    const internals = conn as unknown as { slots: { chunks: Buffer[] | null }[]; head: number };
    let answered = 0;
    env.client.on('data', (b: Buffer) => (answered += b.length / 8));
    for (let i = 0; i < 500; i++) {
      env.client.write(frame(String(i % 1000).padStart(4, '0')));
      while (d.held.length <= i) await turn();
      d.held[i].release();
      await turn();
      // every answer written so far has been let go of
      for (let k = 0; k < internals.head; k++) expect(internals.slots[k].chunks).toBeNull();
      expect(internals.slots.length).toBeLessThanOrEqual(130);
    }
    while (answered < 500) await turn();
    expect(conn.inFlight).toBe(0);
  });
});

