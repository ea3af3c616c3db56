/** Two projects: unit tests (test/) run on the TypeScript sources through swc;
 * compatibility tests (compat-tests/) start the built broker (dist/) as a real
 * process and drive it with real Kafka clients. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  // Jest reads testTimeout only at the top level, not per project. Compat tests
  // start broker processes and real clients; unit tests finish far below this.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      testEnvironment: 'node',
    },
    {
      displayName: 'compat',
      testMatch: ['<rootDir>/compat-tests/**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      testEnvironment: 'node',
    },
  ],
};
