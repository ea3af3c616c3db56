/**
 * Request header v0/v1/v2 and response header v0/v1.
 *
 * Request header v1 adds clientId (a classic nullable string even in v2);
 * v2 adds a tagged-field section and is used by every flexible request.
 * Response header v1 (tagged fields) goes with flexible responses, except
 * ApiVersions, whose response header is always v0 so that a client can read
 * it before it knows which versions the broker speaks.
 */
import { MalformedError, Reader, Writer, uvarintSize } from './primitives';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

/** Reads apiKey, apiVersion and correlationId: enough to answer even an unknown API. */
export function readRequestHeaderStart(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  return { apiKey, apiVersion, correlationId, clientId: null };
}

/** Reads the rest of the header once its version (1 or 2) is known. */
export function readRequestHeaderRest(r: Reader, header: RequestHeader, headerVersion: number): void {
  if (headerVersion >= 1) header.clientId = r.nullableString(false);
  if (headerVersion >= 2) skipTaggedFields(r);
}

export function skipTaggedFields(r: Reader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    const size = r.uvarint();
    if (size > r.remaining) throw new MalformedError('tagged field runs past the header');
    r.raw(size);
  }
}

export function requestHeaderSize(header: RequestHeader, headerVersion: number): number {
  let n = 8;
  if (headerVersion >= 1) n += 2 + (header.clientId === null ? 0 : Buffer.byteLength(header.clientId, 'utf8'));
  if (headerVersion >= 2) n += uvarintSize(0);
  return n;
}

export function writeRequestHeader(w: Writer, header: RequestHeader, headerVersion: number): void {
  w.int16(header.apiKey);
  w.int16(header.apiVersion);
  w.int32(header.correlationId);
  if (headerVersion >= 1) {
    if (header.clientId === null) w.int16(-1);
    else {
      const n = Buffer.byteLength(header.clientId, 'utf8');
      w.int16(n);
      w.offset += w.buf.write(header.clientId, w.offset, n, 'utf8');
    }
  }
  if (headerVersion >= 2) w.uvarint(0);
}

export function responseHeaderSize(headerVersion: number): number {
  return headerVersion >= 1 ? 5 : 4;
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.uvarint(0);
}

export function readResponseHeader(r: Reader, headerVersion: number): number {
  const correlationId = r.int32();
  if (headerVersion >= 1) skipTaggedFields(r);
  return correlationId;
}

export function requestHeaderVersion(flexible: boolean): number {
  return flexible ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, flexible: boolean): number {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return flexible ? 1 : 0;
}
