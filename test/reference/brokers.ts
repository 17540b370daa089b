// What a reference test file gets from the project's global setup: both brokers' addresses.
// `describeAgainstBoth` runs a suite once per broker with the same body, so a scenario's result
// on Tributary is held to the same assertions as on Kafka.

import { describe, inject } from 'vitest';

export interface BrokerUnderTest {
  name: 'kafka' | 'tributary';
  bootstrap: string;
}

/** The reference Kafka; a test calling this skips (outside CI) when it is not installed. */
export function referenceKafka(): BrokerUnderTest | null {
  const bootstrap = inject('referenceBootstrap');
  return bootstrap ? { name: 'kafka', bootstrap } : null;
}

export function tributary(): BrokerUnderTest {
  return { name: 'tributary', bootstrap: inject('tributaryBootstrap') };
}

export function referenceMissing(): string | null {
  return inject('referenceMissing');
}

/** Runs `body` as one describe block per broker (Kafka first); Kafka's is skipped when missing. */
export function describeAgainstBoth(title: string, body: (broker: () => BrokerUnderTest) => void): void {
  const kafka = referenceKafka();
  const missing = referenceMissing();
  describe.skipIf(!kafka)(`${title} — Apache Kafka 4.3.1${missing ? ` (skipped: ${missing})` : ''}`, () =>
    body(() => kafka!));
  describe(`${title} — Tributary`, () => body(tributary));
}
