/**
 * IncrementalAlterConfigs (key 44), versions 0-1.
 *
 * Behavior, per resource (as Kafka's ConfigAdminManager and controller):
 * - each config gets one operation: SET (0), DELETE (1) back to the
 *   broker's or Kafka's default, APPEND (2) / SUBTRACT (3) items of a list
 *   config (cleanup.policy, ...), starting from Kafka's default when it is
 *   not set; APPEND/SUBTRACT on other configs INVALID_CONFIG;
 * - a resource named twice: INVALID_REQUEST for each copy; a config named
 *   twice, a null value for SET/APPEND/SUBTRACT, an unknown operation:
 *   INVALID_REQUEST;
 * - TOPIC: the resulting overrides are checked as at CreateTopics
 *   (INVALID_CONFIG), then the topic must exist (UNKNOWN_TOPIC_OR_PARTITION);
 *   applied to the open partition logs at once and stored;
 * - BROKER "" or "<node id>": the broker defaults of topic configs, as in
 *   AlterConfigs (INVALID_REQUEST for what cannot change);
 * - BROKER_LOGGER "<node id>": SET the "root" logger to FATAL, ERROR, WARN,
 *   INFO, DEBUG or TRACE changes the broker's log level (not stored);
 *   other loggers INVALID_CONFIG, DELETE of root / APPEND / SUBTRACT
 *   INVALID_REQUEST, as Kafka's RuntimeLoggerManager;
 * - validateOnly checks everything and changes nothing.
 *
 * Version notes: KIP-339; v1 flexible.
 */
import { duplicateResources, resourceKey } from '../../cluster/config-admin';
import { ErrorCode } from '../../protocol/error-codes';
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  request: incrementalAlterConfigsRequest,
  response: incrementalAlterConfigsResponse,
  async handle(req, ctx) {
    const admin = ctx.broker.configAdmin;
    const dup = duplicateResources(req.resources);
    const responses = [];
    for (const r of req.resources) {
      const res = dup.has(resourceKey(r))
        ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' }
        : await admin.incrementalAlter(r.resourceType, r.resourceName, r.configs, req.validateOnly);
      if (res.errorCode === ErrorCode.NONE && !req.validateOnly) {
        ctx.log.info(
          { resourceType: r.resourceType, resourceName: r.resourceName, ops: r.configs.map((c) => `${c.name}:${c.configOperation}`) },
          'configs altered',
        );
      } else if (res.errorCode !== ErrorCode.NONE) {
        ctx.log.debug({ resourceType: r.resourceType, resourceName: r.resourceName, error: res.errorMessage }, 'incremental alter configs refused');
      }
      responses.push({ ...res, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
