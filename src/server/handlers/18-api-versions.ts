/**
 * ApiVersions (key 18), versions 0-4.
 *
 * Behavior:
 * - lists every API this broker has a handler for, with the exact range that
 *   handler answers (Produce is listed from v0, as Kafka does, because
 *   librdkafka only compresses when it sees Produce v0 listed);
 * - v3+: the client's software name and version must be well formed
 *   (KIP-511), else INVALID_REQUEST;
 * - an unknown newer version is answered by the dispatcher in v0 with
 *   UNSUPPORTED_VERSION, listing only ApiVersions' own range, as Kafka does.
 */
import { ErrorCode } from '../../protocol/error-codes';
import { apiVersionsRequest, apiVersionsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  request: apiVersionsRequest,
  response: apiVersionsResponse,
  handle(req, ctx) {
    const apiKeys = ctx.broker.supportedApis;
    if (
      ctx.apiVersion >= 3 &&
      (!SOFTWARE_NAME_OR_VERSION.test(req.clientSoftwareName) || !SOFTWARE_NAME_OR_VERSION.test(req.clientSoftwareVersion))
    ) {
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});
