/**
 * A TCP proxy on loopback between clients and the broker that can lose a
 * Produce response: it reads the broker's responses frame by frame, and when
 * a response to a Produce request it was told to drop arrives (the broker
 * has then stored the batch and written its answer), it closes both sides
 * of that connection instead of forwarding it. The client sees a broken
 * connection and retries a batch the broker already has.
 *
 * The broker must advertise the proxy's port (--advertised-port) so that
 * clients, after Metadata, keep connecting through the proxy.
 */
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

const PRODUCE = 0;

export class FaultProxy {
  /** Produce requests forwarded to the broker. */
  produceRequests = 0;
  /** Produce responses seen (forwarded or dropped). */
  produceResponses = 0;
  /** Produce responses dropped (each closed a client connection). */
  dropped = 0;
  /** Client connections accepted. */
  connections = 0;
  /** Called after each dropped response (e.g. to kill the broker right then). */
  onDrop: (() => void) | null = null;
  private toDrop = 0;
  private skip = 0;
  private delayMs = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** The broker's real port (set once it runs). */
    public targetPort: number,
  ) {}

  static async start(targetPort = 0): Promise<FaultProxy> {
    let self: FaultProxy | null = null;
    const server = createServer((client) => self!.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new FaultProxy(server, (server.address() as AddressInfo).port, targetPort);
    return self;
  }

  /** Drops the next `count` Produce responses, after letting `skip` through. */
  dropProduceResponses(count: number, skip = 0): void {
    this.toDrop = count;
    this.skip = skip;
  }

  /**
   * Holds every response this long before forwarding it (in order), so that
   * clients that pipeline have several requests in flight.
   */
  delayResponses(ms: number): void {
    this.delayMs = ms;
  }

  private accept(client: Socket): void {
    this.connections++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
    // requests: forwarded as they come; their (correlation id -> api key) noted frame by frame
    const apiKeys = new Map<number, number>();
    let reqBuf = Buffer.alloc(0);
    client.on('data', (d) => {
      upstream.write(d);
      reqBuf = Buffer.concat([reqBuf, d]);
      while (reqBuf.length >= 4 && reqBuf.length >= 4 + reqBuf.readInt32BE(0)) {
        const size = reqBuf.readInt32BE(0);
        if (size >= 8) {
          apiKeys.set(reqBuf.readInt32BE(8), reqBuf.readInt16BE(4));
          if (reqBuf.readInt16BE(4) === PRODUCE) this.produceRequests++;
        }
        reqBuf = reqBuf.subarray(4 + size);
      }
    });
    // responses: forwarded whole frames at a time (after delayMs), unless one is to be lost, which
    // closes the connection: the responses held back behind it are lost with it
    let resBuf = Buffer.alloc(0);
    let forwardChain = Promise.resolve();
    const forward = (frame: Buffer) => {
      const delay = this.delayMs;
      if (delay <= 0) {
        forwardChain = forwardChain.then(() => {
          if (!client.destroyed) client.write(frame);
        });
        return;
      }
      const due = Date.now() + delay;
      forwardChain = forwardChain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (!client.destroyed) client.write(frame);
      });
    };
    upstream.on('data', (d) => {
      resBuf = Buffer.concat([resBuf, d]);
      while (resBuf.length >= 4 && resBuf.length >= 4 + resBuf.readInt32BE(0)) {
        const size = resBuf.readInt32BE(0);
        const frame = resBuf.subarray(0, 4 + size);
        resBuf = resBuf.subarray(4 + size);
        const correlationId = size >= 4 ? frame.readInt32BE(4) : -1;
        const apiKey = apiKeys.get(correlationId);
        apiKeys.delete(correlationId);
        if (apiKey === PRODUCE) {
          this.produceResponses++;
          if (this.skip > 0) this.skip--;
          else if (this.toDrop > 0) {
            this.toDrop--;
            this.dropped++;
            kill();
            this.onDrop?.();
            return;
          }
        }
        forward(frame);
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
