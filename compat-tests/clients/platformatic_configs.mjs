// @platformatic/kafka's Admin config calls, for compat-tests/configs.test.ts
// (ESM-only package: run with node, not inside jest).
//
// Usage: node platformatic_configs.mjs BOOTSTRAP COMMAND [JSON-ARGS]
//
// Prints one JSON document; a client error is printed as {"error", "apiIds",
// "message"} with exit code 2.
import { Admin } from '@platformatic/kafka';

const [bootstrap, command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};
const admin = new Admin({ clientId: 'compat-platformatic-configs', bootstrapBrokers: [bootstrap], retries: 0, timeout: 10000 });

const commands = {
  // {resources: [{resourceType, resourceName, configurationKeys?}], includeSynonyms, includeDocumentation}
  describe: async () => ({
    resources: (await admin.describeConfigs({ resources: args.resources, includeSynonyms: !!args.includeSynonyms, includeDocumentation: !!args.includeDocumentation })).map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      configs: Object.fromEntries(r.configs.map((c) => [c.name, c])),
    })),
  }),
  // {resources: [{resourceType, resourceName, configs: [{name, value}]}], validateOnly}
  alter: async () => {
    await admin.alterConfigs({ resources: args.resources, validateOnly: !!args.validateOnly });
    return { ok: true };
  },
  // {resources: [{resourceType, resourceName, configs: [{name, configOperation, value}]}], validateOnly}
  incremental: async () => {
    await admin.incrementalAlterConfigs({ resources: args.resources, validateOnly: !!args.validateOnly });
    return { ok: true };
  },
  // {name, partitions, configs: [{name, value}]}: the CreateTopics v5+ echo of configs
  create_topic: async () => {
    const created = await admin.createTopics({ topics: [args.name], partitions: args.partitions ?? 1, replicas: 1, configs: args.configs ?? [] });
    return { created };
  },
};

function apiIds(e) {
  const ids = new Set();
  const walk = (x) => {
    if (!x || typeof x !== 'object') return;
    if (typeof x.apiId === 'string') ids.add(x.apiId);
    for (const inner of x.errors ?? []) walk(inner);
    if (x.cause) walk(x.cause);
  };
  walk(e);
  return [...ids].sort();
}

const json = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
try {
  const result = await commands[command]();
  process.stdout.write(json(result) + '\n');
  await admin.close();
  process.exit(0);
} catch (e) {
  process.stdout.write(json({ error: e.constructor?.name, apiIds: apiIds(e), message: e.message }) + '\n');
  await admin.close().catch(() => undefined);
  process.exit(2);
}
