import { defineConfig } from 'vitest/config';

// Two projects. `broker`: Tributary's own tests, each file starting the brokers it needs. `reference`:
// tests that hold Tributary to the real Apache Kafka 4.3.1; its global setup starts one Kafka and one
// Tributary for the whole project (only when one of its files is selected), and its files run one at a
// time because each drives a JVM or a client process against those shared brokers.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup-codec.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'broker',
          include: ['test/**/*.test.ts'],
          exclude: ['test/reference/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'reference',
          include: ['test/reference/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts', 'test/reference/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
