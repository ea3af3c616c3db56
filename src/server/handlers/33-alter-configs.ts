/**
 * AlterConfigs (key 33), versions 0-2.
 *
 * Behavior, per resource (as Kafka's ConfigAdminManager and controller):
 * - the resource's whole set of dynamic configs is replaced by the given
 *   one (configs left out are removed);
 * - a resource named twice: INVALID_REQUEST for each copy; a config named
 *   twice or with a null value: INVALID_REQUEST;
 * - TOPIC: names and values checked as at CreateTopics (INVALID_CONFIG with
 *   Kafka's message), then that the topic exists
 *   (UNKNOWN_TOPIC_OR_PARTITION); applied to the open partition logs at
 *   once and stored;
 * - BROKER "" (cluster default) or "<node id>": only the broker defaults of
 *   topic configs can change (others INVALID_REQUEST "Cannot update these
 *   configs dynamically"); bad values INVALID_REQUEST (KAFKA-13609); every
 *   topic without its own override follows at once;
 * - BROKER_LOGGER and other types: INVALID_REQUEST, as Kafka;
 * - validateOnly checks everything and changes nothing.
 *
 * Version notes: v1 same as v0; v2 flexible.
 */
import { duplicateResources, resourceKey } from '../../cluster/config-admin';
import { ErrorCode } from '../../protocol/error-codes';
import { alterConfigsRequest, alterConfigsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  request: alterConfigsRequest,
  response: alterConfigsResponse,
  async handle(req, ctx) {
    const admin = ctx.broker.configAdmin;
    const dup = duplicateResources(req.resources);
    const responses = [];
    for (const r of req.resources) {
      const res = dup.has(resourceKey(r))
        ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' }
        : await admin.alter(r.resourceType, r.resourceName, r.configs, req.validateOnly);
      if (res.errorCode === ErrorCode.NONE && !req.validateOnly) {
        ctx.log.info({ resourceType: r.resourceType, resourceName: r.resourceName, configs: r.configs.map((c) => c.name) }, 'configs replaced');
      } else if (res.errorCode !== ErrorCode.NONE) {
        ctx.log.debug({ resourceType: r.resourceType, resourceName: r.resourceName, error: res.errorMessage }, 'alter configs refused');
      }
      responses.push({ ...res, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
