// What each listener needs beyond a TCP socket, from its security protocol and the listener's
// settings: TLS (SSL, SASL_SSL) and SASL (SASL_PLAINTEXT, SASL_SSL). A listener Tributary cannot
// serve stops start-up with a message naming it, before any port is bound.

import type { BrokerConfig } from '../config/load.js';
import type { ListenerSpec } from '../config/listeners.js';
import { listenerAddress } from '../config/listeners.js';
import { ConfigError } from '../config/types.js';

export interface ListenerSecurity {
  readonly spec: ListenerSpec;
}

export function listenerSecurity(_config: BrokerConfig, spec: ListenerSpec): ListenerSecurity {
  const where = `listener ${listenerAddress(spec.name, spec.host, spec.port)}`;
  if (spec.securityProtocol !== 'PLAINTEXT') {
    throw new ConfigError(`${where}: security protocol ${spec.securityProtocol} is not supported by Tributary yet (PLAINTEXT only)`);
  }
  return { spec };
}
