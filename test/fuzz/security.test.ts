// The fuzzer's security inputs (bench/fuzz/security.ts) against TLS and SASL listeners: hostile TLS
// records and SASL frames never crash the broker, never stall a connection on another listener,
// never leave it unable to produce and fetch, and every connection they get closed is logged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSecurityFuzz } from '../../bench/fuzz/security.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

describe('security fuzzing', () => {
  it('TLS garbage, plaintext on TLS, 2 GiB SASL sizes, bad PLAIN/SCRAM tokens and mutations find nothing', async () => {
    const report = await runSecurityFuzz({ seconds: Number(process.env.FUZZ_SECONDS ?? 5), seed: Number(process.env.FUZZ_SEED ?? 20261205), keystoreFile: certs.keystoreFile });
    if (process.env.FUZZ_VERBOSE) process.stdout.write(`${JSON.stringify(report)}\n`);
    expect(report.findings).toEqual([]);
    expect(report.inputs).toBeGreaterThan(44);
    expect(report.closed).toBeGreaterThan(40);
  }, 60_000);
});
