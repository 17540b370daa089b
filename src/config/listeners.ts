// Kafka's listener settings read into the listeners Tributary serves: `listeners` (NAME://HOST:PORT,
// several), `listener.security.protocol.map` (listener name → PLAINTEXT, SSL, SASL_PLAINTEXT or
// SASL_SSL), `advertised.listeners` (what clients of each listener are told), and the two names
// a KRaft cluster needs (`inter.broker.listener.name`, `controller.listener.names`): a controller
// listener is left unbound (one process, no quorum to serve), the inter-broker one must exist.

import { ADVERTISED_HOST_FOR_ANY_INTERFACE, DEFAULT_SECURITY_PROTOCOL_MAP } from './broker-settings.js';
import { ConfigError } from './types.js';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export { DEFAULT_SECURITY_PROTOCOL_MAP };

export interface ListenerSpec {
  /** The listener name, upper case as Kafka normalises it. */
  name: string;
  securityProtocol: SecurityProtocol;
  /** Bind host; '' means every interface. */
  host: string;
  /** 0: the OS chooses (then advertised as the bound port unless advertised.listeners says otherwise). */
  port: number;
  /** What clients connected to this listener are told; port null: the bound port. */
  advertised: { host: string; port: number | null };
}

export interface ListenerSettings {
  listeners: string;
  advertisedListeners: string;
  securityProtocolMap: string;
  interBrokerListenerName: string | null;
  controllerListenerNames: string | null;
}

export interface ParsedListeners {
  /** The listeners to bind, in the order of `listeners`. */
  served: ListenerSpec[];
  /** Controller listeners named in `listeners` and left unbound. */
  controllerOnly: string[];
}

interface Endpoint {
  name: string;
  host: string;
  port: number;
}

/** Parses and checks the listener settings; throws ConfigError naming the key and the listener. */
export function parseListeners(s: ListenerSettings): ParsedListeners {
  const protocols = parseSecurityProtocolMap(s.securityProtocolMap);
  const controllerNames = new Set(splitList(s.controllerListenerNames ?? '').map((n) => n.toUpperCase()));
  // Kafka (KRaft): a controller listener missing from a default map is PLAINTEXT.
  for (const n of controllerNames) if (!protocols.has(n) && s.securityProtocolMap === DEFAULT_SECURITY_PROTOCOL_MAP) protocols.set(n, 'PLAINTEXT');
  const endpoints = parseEndpoints(s.listeners, 'listeners');
  if (endpoints.length === 0) throw new ConfigError('listeners: no listener is defined');
  const advertised = new Map(parseEndpoints(s.advertisedListeners, 'advertised.listeners').map((e) => [e.name, e]));
  for (const name of advertised.keys()) {
    if (!endpoints.some((e) => e.name === name)) throw new ConfigError(`advertised.listeners: listener ${name} is not one of listeners (${s.listeners})`);
  }
  const served: ListenerSpec[] = [];
  const controllerOnly: string[] = [];
  for (const e of endpoints) {
    const securityProtocol = protocols.get(e.name);
    if (securityProtocol === undefined) throw new ConfigError(`listeners: no security protocol defined for listener ${e.name} (add it to listener.security.protocol.map)`);
    if (controllerNames.has(e.name)) {
      controllerOnly.push(e.name);
      continue;
    }
    const adv = advertised.get(e.name);
    const ownHost = e.host === '' || e.host === '0.0.0.0' || e.host === '::' ? ADVERTISED_HOST_FOR_ANY_INTERFACE : e.host;
    served.push({
      name: e.name,
      securityProtocol,
      host: e.host,
      port: e.port,
      advertised: adv === undefined ? { host: ownHost, port: null } : { host: adv.host === '' ? ownHost : adv.host, port: adv.port },
    });
  }
  if (served.length === 0) throw new ConfigError(`listeners: every listener is a controller listener (controller.listener.names=${s.controllerListenerNames}); Tributary needs at least one broker listener`);
  const inter = s.interBrokerListenerName?.toUpperCase();
  if (inter !== undefined && inter !== '' && !served.some((l) => l.name === inter)) {
    throw new ConfigError(`inter.broker.listener.name: ${inter} is not a broker listener in listeners (${s.listeners})`);
  }
  const ports = new Map<number, string>();
  for (const l of served) {
    const other = ports.get(l.port);
    if (l.port !== 0 && other !== undefined) throw new ConfigError(`listeners: ${other} and ${l.name} both use port ${l.port}; each listener must have a different port`);
    ports.set(l.port, l.name);
  }
  return { served, controllerOnly };
}

/** `NAME:PROTOCOL,...`; unknown protocols are an error naming the listener. */
export function parseSecurityProtocolMap(text: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const entry of splitList(text)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ConfigError(`listener.security.protocol.map: '${entry}' is not LISTENER_NAME:SECURITY_PROTOCOL`);
    const name = entry.slice(0, colon).trim().toUpperCase();
    const protocol = entry.slice(colon + 1).trim().toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new ConfigError(`listener.security.protocol.map: listener ${name} has an unknown security protocol '${protocol}' (one of ${SECURITY_PROTOCOLS.join(', ')})`);
    }
    if (map.has(name)) throw new ConfigError(`listener.security.protocol.map: listener ${name} is mapped twice`);
    map.set(name, protocol as SecurityProtocol);
  }
  return map;
}

function parseEndpoints(text: string, key: string): Endpoint[] {
  const out: Endpoint[] = [];
  for (const item of splitList(text)) {
    const m = /^([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(item);
    if (!m) throw new ConfigError(`${key}: '${item}' is not NAME://HOST:PORT`);
    const name = m[1].toUpperCase();
    if (out.some((e) => e.name === name)) throw new ConfigError(`${key}: listener ${name} is defined twice; each listener must have a different name`);
    out.push({ name, host: m[2].replace(/^\[|\]$/g, ''), port: parsePort(m[3], key) });
  }
  return out;
}

export function parsePort(text: string, key: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${key}: '${text}' is not a port number`);
  return n;
}

function splitList(text: string): string[] {
  return text.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** How a listener is written in log lines and errors: NAME://HOST:PORT. */
export function listenerAddress(name: string, host: string, port: number): string {
  return `${name}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
