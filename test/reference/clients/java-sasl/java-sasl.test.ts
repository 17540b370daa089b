// The Java client 4.3.1 authenticating over SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256/512 and
// OAUTHBEARER (Kafka's unsecured tokens) against a real Kafka 4.3.1 and against Tributary, both
// started here with the same SASL settings and SCRAM users (the project's shared brokers have no SASL
// listener). Each scenario (src/SaslScenarios.java) must meet the same expectations on both brokers,
// and Tributary's result must equal Kafka's, refusal messages included. The same brokers then show
// what a dynamic change of sasl.enabled.mechanisms does (Kafka: stored, not applied to the running listener).

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../../src/broker.js';
import { Logger } from '../../../../src/util/logger.js';
import { type ReferenceKafka, referenceUnavailable, startReferenceKafka } from '../../kafka.mjs';
import { RawClient } from '../../../helpers/raw-client.js';
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

  // Kafka lists sasl.enabled.mechanisms among DynamicListenerConfig's reconfigurable configs, but no
  // reconfigurable of a running listener reads it (SaslChannelBuilder reconfigures only ssl.*): an
  // AlterConfigs of it, listener-prefixed or not, is accepted and described, and new connections are
  // still offered the start-up mechanisms. Once a listener-prefixed one is stored, a change that touches
  // a DynamicListenerConfig config (here: removing the bare one) is refused until a restart, because
  // Kafka compares the listener's prefixed configs with its start-up ones. Tributary answers the same.
  // (These brokers are this file's own, and the Java scenarios ran in beforeAll: the change stays.)
  it('sasl.enabled.mechanisms changed by AlterConfigs is stored and described, and not applied to the running listener, as in Kafka', async () => {
    const brokers = [
      { plaintext: kafka!.bootstrap, sasl: kafka!.listenerBootstraps.SASL_PLAINTEXT, id: '1' },
      { plaintext: tributary!.listeners[0].bootstrap, sasl: tributary!.listeners[1].bootstrap, id: String(tributary!.config.int('node.id')) },
    ];
    const outcomes = [];
    for (const b of brokers) {
      const admin = new Kafka({ brokers: [b.plaintext], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const key = 'listener.name.sasl_plaintext.sasl.enabled.mechanisms';
      const [plainHost, plainPort] = b.plaintext.split(':');
      const raw = await RawClient.connect(Number(plainPort), plainHost);
      const alter = async (configs: { name: string; value: string }[]) => {
        const r = await raw.request(33, 1, { resources: [{ resourceType: 4, resourceName: b.id, configs }], validateOnly: false });
        return r.responses[0].errorCode === 0 ? 'accepted' : `${r.responses[0].errorCode}: ${r.responses[0].errorMessage}`;
      };
      // Kafka validates against the configs it has applied, which follow an accepted change shortly
      // after (through its metadata log): wait until the change is described before the next one.
      const applied = async (name: string) => {
        for (let i = 0; i < 100; i++) {
          const d = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: b.id, configNames: [name] }] });
          if (d.resources[0].configEntries.some((e) => e.configName === name && e.configValue === 'SCRAM-SHA-512' && e.configSource === 2)) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`${name} was not applied within 10 s`);
      };
      // AlterConfigs replaces the broker's whole dynamic set: each call stands alone.
      const bareAlone = await alter([{ name: 'sasl.enabled.mechanisms', value: 'SCRAM-SHA-512' }]);
      await applied('sasl.enabled.mechanisms');
      const both = await alter([{ name: key, value: 'SCRAM-SHA-512' }, { name: 'sasl.enabled.mechanisms', value: 'SCRAM-SHA-512' }]);
      await applied(key);
      const prefixed = await alter([{ name: key, value: 'SCRAM-SHA-512' }]);
      raw.close();
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: b.id, configNames: [key] }] });
      const [host, port] = b.sasl.split(':');
      const c = await RawClient.connect(Number(port), host);
      const handshake = await c.request(17, 1, { mechanism: 'PLAIN' });
      const plain = await c.request(36, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') });
      c.close();
      await admin.disconnect();
      outcomes.push({
        bareAlone,
        both,
        prefixed,
        described: described.resources[0].configEntries.map((e) => `${e.configName}=${e.configValue}`).sort(),
        // Kafka lists them in a java.util.HashSet's order, and so does Tributary.
        offered: handshake.mechanisms,
        plainErrorCode: plain.errorCode,
      });
    }
    expect(outcomes[0]).toEqual({
      bareAlone: 'accepted',
      both: 'accepted',
      prefixed: "42: Invalid value org.apache.kafka.common.config.ConfigException: Configs cannot be updated dynamically for existing listener ListenerName(SASL_PLAINTEXT), restart broker or create a new listener for update for configuration Invalid dynamic configuration",
      described: ['listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512'],
      offered: ['PLAIN', 'SCRAM-SHA-512', 'SCRAM-SHA-256', 'OAUTHBEARER'],
      plainErrorCode: 0,
    });
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  for (const scenario of scenarios) {
    it(`${scenario.title}: same result on Kafka and Tributary`, () => {
      const onKafka = resultOf('kafka', scenario.id);
      EXPECTATIONS[scenario.id](onKafka);
      expect(resultOf('tributary', scenario.id)).toEqual(onKafka);
    });
  }
});
