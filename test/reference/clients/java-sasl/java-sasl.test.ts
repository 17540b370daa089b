// The Java client 4.3.1 authenticating over SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256/512 and
// OAUTHBEARER (Kafka's unsecured tokens) against a real Kafka 4.3.1 and against Tributary, both
// started here with the same SASL settings and SCRAM users (the project's shared brokers have no SASL
// listener). Each scenario (src/SaslScenarios.java) must meet the same expectations on both brokers,
// and Tributary's result must equal Kafka's, refusal messages included.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../../src/broker.js';
import { Logger } from '../../../../src/util/logger.js';
import { type ReferenceKafka, referenceUnavailable, startReferenceKafka } from '../../kafka.mjs';
import { compiledProgramsMissing, type JvmRun, readScenarios, runJvm } from '../jvm.js';

const JVM_TIMEOUT_MS = 240_000;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const { scenarios } = readScenarios(HERE);
const missing = compiledProgramsMissing(HERE) ?? referenceUnavailable();
if (missing && process.env.CI) throw new Error(`Java client SASL scenarios unavailable in CI: ${missing}`);

/** The SASL part of server.properties, the same for both brokers. */
const SASL_SETTINGS: Record<string, string> = {
  'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
  'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
    'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin" unsecuredValidatorRequiredScope="kafka";',
};
const ADD_SCRAM = ['SCRAM-SHA-256=[name=scram256,password=s256-secret]', 'SCRAM-SHA-512=[name=scram512,password=s512-secret]'];

type Result = Record<string, unknown>;
const authenticated = (mechanism: string) => (r: Result) => expect(r).toEqual({ mechanism, nodes: 1, producedAt: 0, consumed: `v-${mechanism}` });
const refused = (mechanism: string, message: string) => (r: Result) => expect(r).toEqual({ mechanism, refused: 'SaslAuthenticationException', message });
const invalidCredentials = (mechanism: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

const EXPECTATIONS: Record<string, (r: Result) => void> = {
  plain: authenticated('PLAIN'),
  'plain-wrong-password': refused('PLAIN', 'Authentication failed: Invalid username or password'),
  'scram-sha-256': authenticated('SCRAM-SHA-256'),
  'scram-sha-256-wrong-password': refused('SCRAM-SHA-256', invalidCredentials('SCRAM-SHA-256')),
  'scram-sha-512': authenticated('SCRAM-SHA-512'),
  'scram-sha-512-unknown-user': refused('SCRAM-SHA-512', invalidCredentials('SCRAM-SHA-512')),
  'oauthbearer-unsecured': authenticated('OAUTHBEARER'),
  'oauthbearer-missing-scope': refused('OAUTHBEARER', '{"status":"insufficient_scope", "scope":"[kafka]"}'),
};

describe.skipIf(!!missing)(`Java client SASL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let kafka: ReferenceKafka | undefined;
  let tributary: RunningBroker | undefined;
  const runs = new Map<string, JvmRun>();

  beforeAll(async () => {
    [kafka, tributary] = await Promise.all([
      startReferenceKafka({ config: SASL_SETTINGS, listeners: { SASL_PLAINTEXT: 'SASL_PLAINTEXT' }, addScram: ADD_SCRAM, heap: '512m' }),
      startBroker({
        config: { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', ...SASL_SETTINGS },
        addScram: ADD_SCRAM,
        logger: new Logger({ write: () => {} }, 'warn'),
      }),
    ]);
    const prefix = `java-sasl-${randomUUID().slice(0, 8)}`;
    const ids = scenarios.map((s) => s.id);
    const [onKafka, onTributary] = await Promise.all([
      runJvm(HERE, 'SaslScenarios', [kafka.listenerBootstraps.SASL_PLAINTEXT, `${prefix}-k`, ...ids]),
      runJvm(HERE, 'SaslScenarios', [tributary.listeners[1].bootstrap, `${prefix}-t`, ...ids]),
    ]);
    runs.set('kafka', onKafka);
    runs.set('tributary', onTributary);
  }, JVM_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([kafka?.stop(), tributary?.close()]);
  });

  const resultOf = (broker: string, id: string): Result => {
    const run = runs.get(broker)!;
    const line = run.lines.get(id);
    if (!line || line.error) throw new Error(`scenario ${id} on ${broker}: ${String(line?.error ?? 'no result line')}\nexit ${run.exitCode}, stderr:\n${run.stderr.slice(-4000)}`);
    return line.result as Result;
  };

  it('runs exactly the scenarios scenarios.json lists, each with expectations', () => {
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(scenarios.map((s) => s.id).sort());
  });

  for (const scenario of scenarios) {
    it(`${scenario.title}: same result on Kafka and Tributary`, () => {
      const onKafka = resultOf('kafka', scenario.id);
      EXPECTATIONS[scenario.id](onKafka);
      expect(resultOf('tributary', scenario.id)).toEqual(onKafka);
    });
  }
});
