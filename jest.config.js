/** Two projects: unit tests (test/) run on the TypeScript sources through esbuild;
 * compatibility tests (compat-tests/) start the built broker (dist/) as a real
 * process and drive it with real Kafka clients. */
const ts = '<rootDir>/jest.transform.js';
module.exports = {
  // Jest reads testTimeout only at the top level, not per project. Compat tests
  // start broker processes and real clients; unit tests finish far below this.
  testTimeout: 60000,
  // The default reporter, then one plain closing line with the counts (test/summary-reporter.js).
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: { '^.+\\.ts$': ts },
      testEnvironment: 'node',
    },
    {
      displayName: 'compat',
      testMatch: ['<rootDir>/compat-tests/**/*.test.ts'],
      transform: { '^.+\\.ts$': ts },
      testEnvironment: 'node',
    },
  ],
};
