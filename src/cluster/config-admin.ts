/**
 * What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs do to one
 * resource, as Kafka's ConfigHelper, ConfigAdminManager (the broker's
 * checks before forwarding) and ConfigurationControlManager (the
 * controller's) do it. Resource types:
 *   TOPIC (2)          a topic's overrides; applied to its open logs at once;
 *   BROKER (4)         "" = the cluster-wide default, "<node id>" = this
 *                      broker; only the broker defaults of topic configs
 *                      are dynamic (log.retention.ms, message.max.bytes...);
 *   BROKER_LOGGER (8)  the broker's log level, as the "root" logger
 *                      (describe and IncrementalAlterConfigs only, as Kafka).
 * Errors are per resource, with Kafka's codes and messages.
 */
import { ErrorCode } from '../protocol/error-codes';
import { BrokerConfigError, BrokerConfigs, ConfigSource, DescribedConfig, BROKER_CONFIGS } from './broker-configs';
import { KafkaError } from './kafka-error';
import { TOPIC_CONFIGS } from './topic-config';
import { TopicManager } from './topic-manager';
import { topicNameProblem } from './topic-name';

export const enum ResourceType {
  UNKNOWN = 0,
  TOPIC = 2,
  BROKER = 4,
  BROKER_LOGGER = 8,
  CLIENT_METRICS = 16,
  GROUP = 32,
}

export const enum OpType {
  SET = 0,
  DELETE = 1,
  APPEND = 2,
  SUBTRACT = 3,
}
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

export interface ResourceResult {
  errorCode: ErrorCode;
  errorMessage: string | null;
}
export interface DescribeResult extends ResourceResult {
  configs: DescribedConfig[];
}

const OK: ResourceResult = { errorCode: ErrorCode.NONE, errorMessage: null };
const ROOT_LOGGER = 'root';
const VALID_LOG_LEVELS = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];

/** The broker's logger, as far as BROKER_LOGGER needs it (pino levels). */
export interface LevelledLogger {
  level: string;
}

function fail(err: unknown): ResourceResult {
  if (err instanceof KafkaError) return { errorCode: err.code, errorMessage: err.message };
  if (err instanceof BrokerConfigError) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: err.message };
  throw err;
}

function invalidRequest(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, message);
}

/** pino's level as log4j names it, and back. */
function log4jLevel(pinoLevel: string): string {
  return pinoLevel === 'silent' ? 'OFF' : pinoLevel.toUpperCase();
}

export class ConfigAdmin {
  constructor(
    private readonly topics: TopicManager,
    private readonly brokerConfigs: BrokerConfigs,
    private readonly nodeId: number,
    private readonly logger: LevelledLogger,
  ) {}

  // ------------------------------------------------------------ describe

  describe(type: number, name: string, keys: readonly string[] | null, includeSynonyms: boolean, includeDocumentation: boolean): DescribeResult {
    try {
      switch (type) {
        case ResourceType.TOPIC: {
          const problem = topicNameProblem(name);
          if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
          const topic = this.topics.get(name);
          // Kafka answers an unknown topic with the code and no message.
          if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, configs: [] };
          return { ...OK, configs: this.brokerConfigs.describeTopic(topic.configs, includeSynonyms, includeDocumentation, keys) };
        }
        case ResourceType.BROKER: {
          if (name === '') return { ...OK, configs: this.brokerConfigs.describeBroker(false, includeSynonyms, includeDocumentation, keys) };
          const id = this.brokerIdOf(name, 'Broker id must be an integer, but it is: ');
          if (id !== this.nodeId) throw invalidRequest(`Unexpected broker id, expected ${this.nodeId} or empty string, but received ${name}`);
          return { ...OK, configs: this.brokerConfigs.describeBroker(true, includeSynonyms, includeDocumentation, keys) };
        }
        case ResourceType.BROKER_LOGGER: {
          if (name === '') throw invalidRequest('Broker id must not be empty');
          const id = this.brokerIdOf(name, 'Broker id must be an integer, but it is: ');
          if (id !== this.nodeId) throw invalidRequest(`Unexpected broker id, expected ${this.nodeId} but received ${name}`);
          const all = [ROOT_LOGGER];
          const names = keys && keys.length > 0 ? all.filter((n) => keys.includes(n)) : all;
          return {
            ...OK,
            configs: names.map((n) => ({
              name: n,
              value: log4jLevel(this.logger.level),
              readOnly: false,
              source: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG,
              isSensitive: false,
              synonyms: [],
              configType: 0,
              documentation: null,
            })),
          };
        }
        default:
          // GROUP and CLIENT_METRICS configs (Kafka 3.7+/3.8+) are not kept by this broker.
          throw invalidRequest(`Unsupported resource type: ${resourceTypeName(type)}`);
      }
    } catch (err) {
      return { ...fail(err), configs: [] };
    }
  }

  /** Kafka refuses a whole DescribeConfigs naming a resource type it does not know; this is that message, or null. */
  static unknownTypeProblem(resources: readonly { resourceType: number; resourceName: string }[]): string | null {
    const known = [ResourceType.TOPIC, ResourceType.BROKER, ResourceType.BROKER_LOGGER, ResourceType.CLIENT_METRICS, ResourceType.GROUP] as number[];
    const bad = resources.find((r) => !known.includes(r.resourceType));
    return bad ? `Unexpected resource type ${resourceTypeName(bad.resourceType)} for resource ${bad.resourceName}` : null;
  }

  // ------------------------------------------------------------ alter (legacy: replace the whole set)

  async alter(type: number, name: string, configs: readonly { name: string; value: string | null }[], validateOnly: boolean): Promise<ResourceResult> {
    try {
      checkDuplicateKeys(configs.map((c) => c.name));
      const nulls = configs.filter((c) => c.value === null).map((c) => c.name);
      if (nulls.length > 0) throw invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
      const set: Record<string, string> = {};
      for (const c of configs) set[c.name] = c.value!;
      switch (type) {
        case ResourceType.TOPIC:
          await this.topics.alterConfigs(name, set, validateOnly);
          return OK;
        case ResourceType.BROKER:
          await this.alterBroker(name, set, validateOnly);
          return OK;
        default:
          // Legacy AlterConfigs has no BROKER_LOGGER support (Kafka answers the same).
          throw invalidRequest(`Unknown resource type ${type}`);
      }
    } catch (err) {
      return fail(err);
    }
  }

  // ------------------------------------------------------------ incremental

  async incrementalAlter(
    type: number,
    name: string,
    ops: readonly { name: string; configOperation: number; value: string | null }[],
    validateOnly: boolean,
  ): Promise<ResourceResult> {
    try {
      checkDuplicateKeys(ops.map((c) => c.name));
      const nulls = ops.filter((c) => c.configOperation !== OpType.DELETE && c.value === null).map((c) => c.name);
      if (nulls.length > 0) throw invalidRequest(`Null value not supported for : ${nulls.join(', ')}`);
      switch (type) {
        case ResourceType.TOPIC: {
          for (const op of ops) if (op.configOperation < 0 || op.configOperation > 3) throw invalidRequest(`Unknown operation type ${op.configOperation}`);
          const current = this.topics.get(name)?.configs ?? {};
          const next: Record<string, string> = { ...current };
          for (const op of ops) {
            const result = applyOp(next[op.name] ?? null, op, (key) => {
              const def = TOPIC_CONFIGS[key];
              if (!def || def.type !== 'LIST') {
                throw new KafkaError(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[op.configOperation]} to key ${key} because its type is not LIST.`);
              }
              return def.defaultValue;
            });
            if (result === null) delete next[op.name];
            else next[op.name] = result;
          }
          await this.topics.alterConfigs(name, next, validateOnly);
          return OK;
        }
        case ResourceType.BROKER: {
          const layer = name === '' ? this.brokerConfigs.dynamic.cluster : this.brokerConfigs.dynamic.broker;
          if (name !== '') this.checkThisNode(name);
          const next: Record<string, string> = { ...layer };
          for (const op of ops) {
            if (op.configOperation < 0 || op.configOperation > 3) throw invalidRequest(`Unknown operations type ${op.configOperation}`);
            const result = applyOp(next[op.name] ?? null, op, (key) => {
              const def = BROKER_CONFIGS[key];
              if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown config name: ${key}`);
              if (def.type !== 'LIST') {
                const verb = op.configOperation === OpType.APPEND ? 'append' : 'subtract';
                throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${key}`);
              }
              return def.defaultValue;
            });
            if (result === null) delete next[op.name];
            else next[op.name] = result;
          }
          await this.alterBroker(name, next, validateOnly);
          return OK;
        }
        case ResourceType.BROKER_LOGGER: {
          this.checkThisNode(name, true);
          for (const op of ops) {
            switch (op.configOperation) {
              case OpType.SET:
                if (op.name !== ROOT_LOGGER) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Logger ${op.name} does not exist!`);
                if (!VALID_LOG_LEVELS.includes(op.value!)) {
                  throw new KafkaError(
                    ErrorCode.INVALID_CONFIG,
                    `Cannot set the log level of ${op.name} to ${op.value} as it is not a supported log level. Valid log levels are ${VALID_LOG_LEVELS.join(', ')}`,
                  );
                }
                break;
              case OpType.DELETE:
                if (op.name !== ROOT_LOGGER) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Logger ${op.name} does not exist!`);
                throw invalidRequest(`Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
              case OpType.APPEND:
              case OpType.SUBTRACT:
                throw invalidRequest(`${OP_NAMES[op.configOperation]} operation is not allowed for the BROKER_LOGGER resource`);
              default:
                throw invalidRequest(`Unknown operation type ${op.configOperation} is not allowed for the BROKER_LOGGER resource`);
            }
          }
          if (!validateOnly) for (const op of ops) this.logger.level = op.value!.toLowerCase();
          return OK;
        }
        default:
          throw invalidRequest(`Unknown resource type ${type}`);
      }
    } catch (err) {
      return fail(err);
    }
  }

  // ------------------------------------------------------------ helpers

  /** Replaces one dynamic broker layer ("" = cluster default) with `configs`, checked as Kafka's DynamicBrokerConfig does. */
  private async alterBroker(name: string, configs: Record<string, string>, validateOnly: boolean): Promise<void> {
    if (name !== '') this.checkThisNode(name);
    const checked = this.brokerConfigs.validateDynamic(configs);
    if (validateOnly) return;
    const d = this.brokerConfigs.dynamic;
    const next = name === '' ? { cluster: checked, broker: d.broker } : { cluster: d.cluster, broker: checked };
    this.brokerConfigs.setDynamic(next);
    await this.topics.saveDynamicBrokerConfigs(next);
  }

  private checkThisNode(name: string, logger = false): void {
    const id = this.brokerIdOf(name, 'Node id must be an integer, but it is: ');
    if (id !== this.nodeId) {
      throw invalidRequest(logger ? `Unexpected node id. Expected ${this.nodeId}, but received ${name}` : `Unexpected broker id, expected ${this.nodeId}, but received ${name}`);
    }
  }

  private brokerIdOf(name: string, message: string): number {
    if (!/^[+-]?\d+$/.test(name) || Math.abs(Number(name)) > 2147483647) throw invalidRequest(`${message}${name}`);
    return Number(name);
  }
}

/** Kafka refuses every copy of a resource named twice in one alter request. */
export function duplicateResources(resources: readonly { resourceType: number; resourceName: string }[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) {
    const k = `${r.resourceType}\u0000${r.resourceName}`;
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return dup;
}
export function resourceKey(r: { resourceType: number; resourceName: string }): string {
  return `${r.resourceType}\u0000${r.resourceName}`;
}

function checkDuplicateKeys(names: string[]): void {
  if (new Set(names).size !== names.length) throw invalidRequest('Error due to duplicate config keys');
}

/**
 * One IncrementalAlterConfigs operation on a current value (null = not
 * set); returns the new value, null to remove it. APPEND and SUBTRACT start
 * from Kafka's default when the config is not set; `listDefault` refuses
 * configs that are not lists.
 */
export function applyOp(current: string | null, op: { name: string; configOperation: number; value: string | null }, listDefault: (key: string) => string | null): string | null {
  switch (op.configOperation) {
    case OpType.SET:
      return op.value;
    case OpType.DELETE:
      return null;
    default: {
      const dflt = listDefault(op.name);
      const base = current ?? dflt ?? '';
      const parts = base.split(',').filter((p) => p !== '');
      const values = (op.value ?? '').split(',');
      if (op.configOperation === OpType.APPEND) {
        for (const v of values) if (!parts.includes(v)) parts.push(v);
      } else {
        for (const v of values) {
          const i = parts.indexOf(v);
          if (i >= 0) parts.splice(i, 1);
        }
      }
      return parts.join(',');
    }
  }
}

function resourceTypeName(type: number): string {
  switch (type) {
    case ResourceType.TOPIC:
      return 'TOPIC';
    case ResourceType.BROKER:
      return 'BROKER';
    case ResourceType.BROKER_LOGGER:
      return 'BROKER_LOGGER';
    case ResourceType.CLIENT_METRICS:
      return 'CLIENT_METRICS';
    case ResourceType.GROUP:
      return 'GROUP';
    default:
      return 'UNKNOWN';
  }
}
