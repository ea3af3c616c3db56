/** Programmatic use: start a broker inside another Node process (tests, tools). */
export { Broker } from './server/broker';
export { DEFAULT_CONFIG, resolveConfig } from './server/config';
export type { BrokerConfig } from './server/config';
