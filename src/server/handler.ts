/**
 * What an API handler is: the API key, the versions it answers (what
 * ApiVersions advertises is built from these), the request and response
 * codecs, and the function that turns a decoded request into a response.
 */
import type { Logger } from 'pino';
import { MessageCodec } from '../protocol/codec';
import { RequestHeader } from '../protocol/header';
import { InputOf, MessageSpec, ValueOf } from '../protocol/schema';
import type { Broker } from './broker';

/**
 * Thrown by a handler whose client must be told something went wrong but can
 * receive no response (Produce with acks=0): the connection is closed, as
 * Kafka does, and the reason is logged.
 */
export class CloseConnection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloseConnection';
  }
}

/** Returned by a handler that sends no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export interface RequestContext {
  readonly header: RequestHeader;
  readonly apiVersion: number;
  readonly broker: Broker;
  readonly log: Logger;
  /** The client's address as Kafka shows it in group descriptions ("/127.0.0.1"). */
  readonly clientHost: string;
}

export interface Handler<Req extends MessageSpec = MessageSpec, Res extends MessageSpec = MessageSpec> {
  readonly apiKey: number;
  readonly name: string;
  /** Lowest and highest version advertised in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  handle(
    request: ValueOf<Req>,
    ctx: RequestContext,
  ): InputOf<Res> | typeof NO_RESPONSE | Promise<InputOf<Res> | typeof NO_RESPONSE>;
}

/** Declares a handler with its types inferred from its codecs. */
export function defineHandler<Req extends MessageSpec, Res extends MessageSpec>(h: Handler<Req, Res>): Handler<Req, Res> {
  if (h.minVersion < h.request.minVersion && h.minVersion < h.response.minVersion) {
    throw new Error(`${h.name}: advertised versions start below its spec`);
  }
  if (h.maxVersion > h.request.maxVersion || h.maxVersion > h.response.maxVersion) {
    throw new Error(`${h.name}: advertised versions go past its spec`);
  }
  return h;
}
