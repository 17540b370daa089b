// Builds the broker's configuration from, in rising precedence: defaults, a Kafka-style
// properties file (--config / TRIBUTARY_CONFIG), TRIBUTARY_* environment variables, command-line
// flags, and (for embedded use) an object of overrides. Anything unknown or invalid stops
// start-up with a message naming the setting.

import { readFileSync } from 'node:fs';
import { ADVERTISED_HOST_FOR_ANY_INTERFACE, BROKER_SETTINGS, type SettingDef, SETTINGS_BY_KEY } from './broker-settings.js';
import { ConfigError, type ConfigValue, parseValue } from './types.js';

export type SettingSource = 'default' | 'file' | 'env' | 'flag' | 'embedded';

/** Kafka keys that mean nothing on a single-process broker: accepted and ignored with a note. */
const IGNORED_KAFKA_KEYS = new Set([
  'process.roles', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'controller.listener.names',
  'inter.broker.listener.name', 'listener.security.protocol.map', 'num.network.threads', 'num.io.threads',
  'socket.send.buffer.bytes', 'socket.receive.buffer.bytes', 'num.recovery.threads.per.data.dir',
  'offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr',
  'share.coordinator.state.topic.replication.factor', 'share.coordinator.state.topic.min.isr', 'broker.id',
  'zookeeper.connect', 'zookeeper.connection.timeout.ms', 'min.insync.replicas', 'num.replica.fetchers',
  'replica.lag.time.max.ms', 'unclean.leader.election.enable', 'log.cleaner.threads', 'log.cleaner.enable',
  'group.coordinator.rebalance.protocols', 'metadata.log.dir',
]);

/** Flags that are not settings of their own but shape the listener settings. */
const LISTENER_FLAGS = ['port', 'host', 'advertised-host', 'advertised-port'] as const;
type ListenerFlag = (typeof LISTENER_FLAGS)[number];

export interface LoadOptions {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Embedded overrides by Kafka key, or by the listener shortcuts port/host/advertisedHost/advertisedPort. */
  overrides?: Readonly<Record<string, ConfigValue | undefined>>;
}

export interface Listener {
  name: string;
  /** Bind host; '' means every interface. */
  host: string;
  port: number;
}

export class BrokerConfig {
  constructor(
    private readonly values: Map<string, ConfigValue>,
    private readonly sources: Map<string, SettingSource>,
    readonly listener: Listener,
    readonly advertised: { host: string; port: number | null },
    readonly ignored: string[],
  ) {}

  /**
   * Dynamic broker configs (Kafka's AlterConfigs on the BROKER resource), over the static ones: set
   * for this broker (resource name = node id) and as the cluster-wide default (resource name '').
   * They are kept in the cluster metadata and installed here at start-up and on every change.
   */
  private readonly dynamicPerBroker = new Map<string, ConfigValue>();
  private readonly dynamicDefault = new Map<string, ConfigValue>();

  /** The current value: dynamic per-broker, else dynamic default, else static (file, env, flag, default). */
  get(key: string): ConfigValue {
    if (!SETTINGS_BY_KEY.has(key)) throw new ConfigError(`unknown setting '${key}'`);
    if (this.dynamicPerBroker.has(key)) return this.dynamicPerBroker.get(key)!;
    if (this.dynamicDefault.has(key)) return this.dynamicDefault.get(key)!;
    return this.values.get(key) ?? null;
  }
  /** The value before dynamic configs. */
  staticValue(key: string): ConfigValue {
    if (!SETTINGS_BY_KEY.has(key)) throw new ConfigError(`unknown setting '${key}'`);
    return this.values.get(key) ?? null;
  }
  /** The dynamic configs of one scope: 'broker' (this node) or 'default' (cluster-wide). */
  dynamicConfigs(scope: 'broker' | 'default'): ReadonlyMap<string, ConfigValue> {
    return scope === 'broker' ? this.dynamicPerBroker : this.dynamicDefault;
  }
  /** Replaces the dynamic configs of a scope (already validated). */
  setDynamicConfigs(scope: 'broker' | 'default', configs: Readonly<Record<string, ConfigValue>>): void {
    const m = scope === 'broker' ? this.dynamicPerBroker : this.dynamicDefault;
    m.clear();
    for (const [k, v] of Object.entries(configs)) if (SETTINGS_BY_KEY.has(k)) m.set(k, v);
  }
  int(key: string): number {
    return this.get(key) as number;
  }
  bool(key: string): boolean {
    return this.get(key) as boolean;
  }
  str(key: string): string {
    return this.get(key) as string;
  }
  source(key: string): SettingSource {
    return this.sources.get(key) ?? 'default';
  }
  /** Every setting with its value, for DescribeConfigs and diagnostics. */
  entries(): [SettingDef, ConfigValue, SettingSource][] {
    return BROKER_SETTINGS.map((d) => [d, this.get(d.key), this.source(d.key)]);
  }
  /** The storage URL: the storage setting, or file:// of log.dirs. */
  get storageUrl(): string {
    const storage = this.str('storage');
    return storage !== '' ? storage : `file://${this.str('log.dirs')}`;
  }
  /** retention.ms the broker defaults to, from log.retention.{ms,minutes,hours}. */
  get retentionMs(): number {
    const ms = this.get('log.retention.ms');
    if (ms !== null) return ms as number;
    const minutes = this.get('log.retention.minutes');
    if (minutes !== null) return (minutes as number) * 60_000;
    return this.int('log.retention.hours') * 3_600_000;
  }
  /** segment.ms the broker defaults to, from log.roll.{ms,hours}. */
  get rollMs(): number {
    const ms = this.get('log.roll.ms');
    return ms !== null ? (ms as number) : this.int('log.roll.hours') * 3_600_000;
  }
}

export function loadConfig(options: LoadOptions = {}): BrokerConfig {
  const values = new Map<string, ConfigValue>();
  const sources = new Map<string, SettingSource>();
  const ignored: string[] = [];
  const listenerFlags: Partial<Record<ListenerFlag, string>> = {};
  for (const d of BROKER_SETTINGS) values.set(d.key, d.default);

  const set = (key: string, text: string, source: SettingSource, where: string) => {
    if (IGNORED_KAFKA_KEYS.has(key)) {
      ignored.push(key);
      return;
    }
    const def = SETTINGS_BY_KEY.get(key);
    if (!def) throw new ConfigError(`unknown setting '${key}' (${where})`);
    values.set(key, parseValue(key, def.type, text));
    sources.set(key, source);
  };

  const argv = options.argv ?? [];
  const env = options.env ?? {};
  const flags = parseFlags(argv);
  const configFile = flags.get('config') ?? env.TRIBUTARY_CONFIG;
  if (configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(err as Error).message}`);
    }
    for (const [key, value] of parseProperties(text)) set(key, value, 'file', configFile);
  }

  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('TRIBUTARY_') || text === undefined || name === 'TRIBUTARY_CONFIG') continue;
    const flag = name.slice('TRIBUTARY_'.length).toLowerCase().replace(/_/g, '-');
    if ((LISTENER_FLAGS as readonly string[]).includes(flag)) {
      listenerFlags[flag as ListenerFlag] = text;
      continue;
    }
    const byFlag = BROKER_SETTINGS.find((d) => d.flag === flag);
    const key = byFlag?.key ?? flag.replace(/-/g, '.');
    if (!SETTINGS_BY_KEY.has(key)) throw new ConfigError(`unknown setting in environment variable ${name}`);
    set(key, text, 'env', name);
  }

  for (const [flag, text] of flags) {
    if (flag === 'config') continue;
    if ((LISTENER_FLAGS as readonly string[]).includes(flag)) {
      listenerFlags[flag as ListenerFlag] = text;
      continue;
    }
    const byFlag = BROKER_SETTINGS.find((d) => d.flag === flag);
    set(byFlag?.key ?? flag, text, 'flag', `--${flag}`);
  }

  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    const asFlag = { advertisedHost: 'advertised-host', advertisedPort: 'advertised-port' }[key] ?? key;
    if ((LISTENER_FLAGS as readonly string[]).includes(asFlag)) {
      listenerFlags[asFlag as ListenerFlag] = String(value);
      continue;
    }
    const def = SETTINGS_BY_KEY.get(key);
    if (!def) throw new ConfigError(`unknown setting '${key}'`);
    values.set(key, typeof value === 'string' && def.type !== 'string' ? parseValue(key, def.type, value) : value);
    sources.set(key, 'embedded');
  }

  for (const d of BROKER_SETTINGS) {
    const v = values.get(d.key) ?? null;
    const problem = v === null ? undefined : d.check?.(v);
    if (problem) throw new ConfigError(`${d.key}: ${JSON.stringify(v)} ${problem}`);
  }

  const listener = parseListener(values.get('listeners') as string, 'listeners');
  if (listenerFlags.host !== undefined) listener.host = listenerFlags.host;
  if (listenerFlags.port !== undefined) listener.port = parsePort(listenerFlags.port, 'port');

  let advertisedHost = listener.host === '' || listener.host === '0.0.0.0' || listener.host === '::' ? ADVERTISED_HOST_FOR_ANY_INTERFACE : listener.host;
  let advertisedPort: number | null = null;
  const adv = values.get('advertised.listeners') as string;
  if (adv !== '') {
    const a = parseListener(adv, 'advertised.listeners');
    if (a.host !== '') advertisedHost = a.host;
    advertisedPort = a.port;
  }
  if (listenerFlags['advertised-host'] !== undefined) advertisedHost = listenerFlags['advertised-host'];
  if (listenerFlags['advertised-port'] !== undefined) advertisedPort = parsePort(listenerFlags['advertised-port'], 'advertised-port');

  return new BrokerConfig(values, sources, listener, { host: advertisedHost, port: advertisedPort }, ignored);
}

/** `--key value`, `--key=value` and bare `--flag` (true) into a map. */
function parseFlags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      out.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out.set(arg.slice(2), argv[++i]);
    } else {
      out.set(arg.slice(2), 'true');
    }
  }
  return out;
}

/** Java properties: key=value or key: value, # and ! comments, backslash line continuation. */
export function parseProperties(text: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].trim();
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (!m) out.push([line, '']);
    else out.push([m[1], m[2]]);
  }
  return out;
}

function parseListener(text: string, key: string): Listener {
  const first = text.split(',')[0].trim();
  const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(first);
  if (!m) throw new ConfigError(`${key}: '${text}' is not NAME://HOST:PORT`);
  return { name: m[1], host: m[2].replace(/^\[|\]$/g, ''), port: parsePort(m[3], key) };
}

function parsePort(text: string, key: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${key}: '${text}' is not a port number`);
  return n;
}
