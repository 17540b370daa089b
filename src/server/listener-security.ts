// What each listener needs beyond a TCP socket, from its security protocol and the listener's
// settings: SASL (SASL_PLAINTEXT, SASL_SSL) and TLS (SSL, SASL_SSL). A listener Tributary cannot
// serve stops start-up with a message naming it (and never quoting a secret), before any port is bound.

import type { BrokerConfig } from '../config/load.js';
import type { ListenerSpec } from '../config/listeners.js';
import { listenerAddress } from '../config/listeners.js';
import { ConfigError } from '../config/types.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { parseJaasConfig } from '../security/jaas.js';
import { PLAIN, PlainServer, PlainUsers } from '../security/plain.js';
import { isScramMechanism, ScramServer } from '../security/scram.js';
import { oauthBearerValidator } from './listener-oauthbearer.js';
import { OAUTHBEARER, OAuthBearerServer } from '../security/oauthbearer.js';
import { ScramCredentialStore } from '../security/scram-store.js';
import { type SaslServerMechanism, kafkaMechanismOrder } from '../security/sasl.js';
import { type ListenerTls, listenerTls } from './listener-tls.js';

/** The SASL side of a listener, ready once the cluster state (SCRAM credentials) is open. */
export interface ListenerSasl {
  mechanisms: string[];
  newMechanism(cluster: ClusterState, now: () => number): (mechanism: string) => SaslServerMechanism;
}

export interface ListenerSecurity {
  readonly spec: ListenerSpec;
  readonly sasl: ListenerSasl | null;
  readonly tls: ListenerTls | null;
}

export function listenerSecurity(config: BrokerConfig, spec: ListenerSpec): ListenerSecurity {
  const where = `listener ${listenerAddress(spec.name, spec.host, spec.port)}`;
  const usesTls = spec.securityProtocol === 'SSL' || spec.securityProtocol === 'SASL_SSL';
  const usesSasl = spec.securityProtocol === 'SASL_PLAINTEXT' || spec.securityProtocol === 'SASL_SSL';
  const tls = usesTls
    ? listenerTls((key) => listenerValue(config, spec.name, key), spec.name, where, (key) => config.listenerSetting(spec.name, key), usesSasl)
    : null;
  const sasl = usesSasl ? listenerSasl(config, spec, where) : null;
  return { spec, sasl, tls };
}

/** The listener's value of a setting: listener.name.<l>.<key>, else the broker-wide one. */
export function listenerValue(config: BrokerConfig, listener: string, key: string): string | null {
  const own = config.listenerSetting(listener, key);
  if (own !== null) return own;
  const v = config.get(key);
  return v === null ? null : Array.isArray(v) ? v.join(',') : String(v);
}

function listenerSasl(config: BrokerConfig, spec: ListenerSpec, where: string): ListenerSasl {
  const mechanisms = (listenerValue(config, spec.name, 'sasl.enabled.mechanisms') ?? '').split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
  if (mechanisms.length === 0) throw new ConfigError(`${where}: sasl.enabled.mechanisms is empty`);
  const factories = new Map<string, (cluster: ClusterState, now: () => number) => SaslServerMechanism>();
  for (const mechanism of mechanisms) {
    if (mechanism === PLAIN) {
      const users = plainUsers(config, spec.name, where);
      factories.set(mechanism, () => new PlainServer(users));
    } else if (isScramMechanism(mechanism)) {
      factories.set(mechanism, (cluster) => {
        const store = new ScramCredentialStore(cluster);
        return new ScramServer(mechanism, { lookup: (user) => store.lookup(user, mechanism) });
      });
    } else if (mechanism === OAUTHBEARER) {
      const validator = oauthBearerValidator(config, spec.name, where);
      factories.set(mechanism, (_cluster, now) => new OAuthBearerServer(validator, now));
    } else {
      throw new ConfigError(
        `${where}: SASL mechanism ${mechanism} is not supported by Tributary (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER); set sasl.enabled.mechanisms or listener.name.${spec.name.toLowerCase()}.sasl.enabled.mechanisms`,
      );
    }
  }
  return {
    mechanisms: kafkaMechanismOrder(mechanisms),
    newMechanism: (cluster, now) => (mechanism) => factories.get(mechanism)!(cluster, now),
  };
}

/**
 * PLAIN's users from the JAAS config Kafka would read for this listener: listener.name.<l>.plain.sasl.jaas.config,
 * then plain.sasl.jaas.config, listener.name.<l>.sasl.jaas.config, and sasl.jaas.config.
 */
function plainUsers(config: BrokerConfig, listener: string, where: string): PlainUsers {
  const jaas =
    config.listenerSetting(listener, 'plain.sasl.jaas.config') ??
    config.mechanismJaasConfig(PLAIN) ??
    config.listenerSetting(listener, 'sasl.jaas.config') ??
    (config.get('sasl.jaas.config') as string | null);
  const key = `listener.name.${listener.toLowerCase()}.plain.sasl.jaas.config`;
  if (jaas === null || jaas.trim() === '') throw new ConfigError(`${where}: PLAIN is enabled but no JAAS config gives its users (set ${key})`);
  let modules;
  try {
    modules = parseJaasConfig(jaas);
  } catch (err) {
    // parseJaasConfig never quotes option values, so its message is safe to show.
    throw new ConfigError(`${where}: ${key}: ${(err as Error).message}`);
  }
  const plain = modules.find((m) => m.className.endsWith('.PlainLoginModule')) ?? modules[0];
  const users = PlainUsers.fromJaasOptions(plain.options);
  if (users.size === 0) throw new ConfigError(`${where}: the PLAIN JAAS config (${key}) defines no user (user_<name>="<password>")`);
  return users;
}
