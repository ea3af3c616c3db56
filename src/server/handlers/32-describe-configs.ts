/**
 * DescribeConfigs (key 32), versions 1-4.
 *
 * Behavior, per resource (as Kafka's ConfigHelper):
 * - TOPIC: every topic config with its effective value and source: the
 *   topic's override (DYNAMIC_TOPIC_CONFIG), else the first broker synonym
 *   set dynamically for this broker, for the cluster, on the command line,
 *   else Kafka's default (DEFAULT_CONFIG); unknown topic
 *   UNKNOWN_TOPIC_OR_PARTITION, bad name INVALID_TOPIC_EXCEPTION;
 * - BROKER "<node id>": every broker config this broker knows, read-only
 *   unless it can be altered; "" lists the cluster-wide dynamic defaults;
 *   another id or a non-number INVALID_REQUEST;
 * - BROKER_LOGGER "<node id>": the "root" logger and its level;
 * - configurationKeys limits the list (unknown keys are left out);
 *   includeSynonyms adds every layer's value, highest priority first;
 * - a resource type Kafka does not know fails the whole request with
 *   INVALID_REQUEST, as Kafka does; GROUP and CLIENT_METRICS are not kept
 *   here (INVALID_REQUEST for that resource).
 *
 * Version notes: v1 synonyms and configSource (KIP-226); v3
 * includeDocumentation, configType, documentation (KIP-569); v4 flexible.
 */
import { ConfigAdmin } from '../../cluster/config-admin';
import { ErrorCode } from '../../protocol/error-codes';
import { describeConfigsRequest, describeConfigsResponse } from '../../protocol/messages';
import { defineHandler } from '../handler';

export const describeConfigsHandler = defineHandler({
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 1,
  maxVersion: 4,
  request: describeConfigsRequest,
  response: describeConfigsResponse,
  handle(req, ctx) {
    const admin = ctx.broker.configAdmin;
    const unknownType = ConfigAdmin.unknownTypeProblem(req.resources);
    const includeDocumentation = ctx.apiVersion >= 3 && req.includeDocumentation;
    const results = req.resources.map((r) => {
      const res = unknownType
        ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: unknownType, configs: [] }
        : admin.describe(r.resourceType, r.resourceName, r.configurationKeys, req.includeSynonyms, includeDocumentation);
      if (res.errorCode !== ErrorCode.NONE) ctx.log.debug({ resourceType: r.resourceType, resourceName: r.resourceName, error: res.errorMessage }, 'describe configs failed');
      return {
        errorCode: res.errorCode,
        errorMessage: res.errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: res.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.source,
          isSensitive: c.isSensitive,
          synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
          configType: c.configType,
          documentation: c.documentation,
        })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
});
