// Global setup of the `reference` test project: starts one real Apache Kafka 4.3.1 and one Tributary
// (the CLI, as users run it) for the whole project, with the same settings where behaviour depends
// on them, and hands their addresses to the test files (see brokers.ts). Started once, not per file:
// a JVM broker costs seconds and hundreds of MiB.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { referenceUnavailable, startReferenceKafka } from './kafka.mjs';

/** Settings both brokers get: tests must not wait out Kafka's 3 s initial rebalance delay. */
export const SHARED_TEST_SETTINGS = { 'group.initial.rebalance.delay.ms': '0' } as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the reference Kafka, or null with the reason in referenceMissing. */
    referenceBootstrap: string | null;
    referenceMissing: string | null;
    /** host:port of the Tributary started beside it. */
    tributaryBootstrap: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reference-tributary-'));
  const tributary = await startBrokerProcess([
    '--port', '0', '--data-dir', path.join(dir, 'data'), '--log-level', 'warn',
    ...Object.entries(SHARED_TEST_SETTINGS).flatMap(([k, v]) => [`--${k}`, v]),
  ]);
  project.provide('tributaryBootstrap', tributary.bootstrap);

  const missing = referenceUnavailable();
  // In CI a missing reference is a failure, never a silent skip; on a developer's machine the
  // reference tests skip with this reason (install with `bash test/reference/install.sh`).
  if (missing && process.env.CI) throw new Error(`reference Kafka unavailable in CI: ${missing}`);
  const kafka = missing ? null : await startReferenceKafka({ config: SHARED_TEST_SETTINGS });
  project.provide('referenceBootstrap', kafka?.bootstrap ?? null);
  project.provide('referenceMissing', missing);
  if (missing) process.stderr.write(`\nreference tests will skip: ${missing}\n\n`);

  return async () => {
    tributary.child.kill('SIGTERM');
    await tributary.exited;
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
