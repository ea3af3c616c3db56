/**
 * From one request frame to one response frame: read the header, find the
 * handler for (apiKey, apiVersion), decode the body with the handler's
 * codec, run it, and encode the response with its header, size-prefixed,
 * as a list of chunks (record data is not copied).
 *
 * A frame that cannot be parsed, an unknown API key or an unsupported
 * version (other than ApiVersions, which answers with what it supports)
 * raises ProtocolViolation: the connection that sent it is closed.
 */
import type { Logger } from 'pino';
import { MessageCodec, Size } from '../protocol/codec';
import { ErrorCode } from '../protocol/error-codes';
import {
  API_VERSIONS_KEY,
  readRequestHeaderRest,
  readRequestHeaderStart,
  requestHeaderVersion,
  responseHeaderSize,
  responseHeaderVersion,
  writeResponseHeader,
} from '../protocol/header';
import { apiVersionsResponse } from '../protocol/messages';
import { Reader, Writer } from '../protocol/primitives';
import { InputOf, MessageSpec } from '../protocol/schema';
import type { Broker } from './broker';
import { Handler, NO_RESPONSE, RequestContext } from './handler';

export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

export interface SupportedApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export function frameResponse<S extends MessageSpec>(
  codec: MessageCodec<S>,
  value: InputOf<S>,
  version: number,
  correlationId: number,
  headerVersion: number,
): Buffer[] {
  const size: Size = { total: 0, external: 0 };
  codec.size(value, version, size);
  const headerSize = responseHeaderSize(headerVersion);
  const w = new Writer(4 + headerSize + size.total - size.external);
  w.int32(headerSize + size.total);
  writeResponseHeader(w, correlationId, headerVersion);
  codec.write(w, value, version);
  return w.finish();
}

export class Dispatcher {
  private readonly byKey: (Handler | undefined)[] = [];
  readonly supported: SupportedApi[];

  constructor(
    private readonly broker: Broker,
    handlers: readonly Handler[],
  ) {
    for (const h of handlers) {
      if (this.byKey[h.apiKey]) throw new Error(`two handlers for API key ${h.apiKey}`);
      this.byKey[h.apiKey] = h;
    }
    this.supported = handlers
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** Handles one frame. Resolves to the response chunks, or null when no response is due. */
  async dispatch(frame: Buffer, log: Logger, clientHost = ''): Promise<Buffer[] | null> {
    const r = new Reader(frame);
    const header = readRequestHeaderStart(r);
    const handler = this.byKey[header.apiKey];
    if (!handler) throw new ProtocolViolation(`unknown API key ${header.apiKey}`);
    const version = header.apiVersion;
    if (version < handler.minVersion || version > handler.maxVersion) {
      if (header.apiKey === API_VERSIONS_KEY) return this.apiVersionsUnsupported(header.correlationId);
      throw new ProtocolViolation(`${handler.name} version ${version} is not supported (${handler.minVersion}-${handler.maxVersion})`);
    }
    const flexible = handler.request.isFlexible(version);
    readRequestHeaderRest(r, header, requestHeaderVersion(flexible));
    const request = handler.request.decode(r, version);
    const ctx: RequestContext = { header, apiVersion: version, broker: this.broker, log, clientHost };
    const response = await handler.handle(request, ctx);
    if (response === NO_RESPONSE) return null;
    const headerVersion = responseHeaderVersion(header.apiKey, handler.response.isFlexible(version));
    return frameResponse(handler.response, response, version, header.correlationId, headerVersion);
  }

  /**
   * An ApiVersions version we do not know: answer in v0 with UNSUPPORTED_VERSION
   * and the versions of ApiVersions itself we speak, so the client retries with
   * one of them (KIP-511; Kafka lists only ApiVersions here).
   */
  private apiVersionsUnsupported(correlationId: number): Buffer[] {
    return frameResponse(
      apiVersionsResponse,
      { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.supported.filter((a) => a.apiKey === API_VERSIONS_KEY) },
      0,
      correlationId,
      0,
    );
  }
}
