// Builds the broker's configuration from, in rising precedence: defaults, a Kafka-style
// properties file (--config / TRIBUTARY_CONFIG), TRIBUTARY_* environment variables, command-line
// flags, and (for embedded use) an object of overrides. Anything unknown or invalid stops
// start-up with a message naming the setting.

import { readFileSync } from 'node:fs';
import { ADVERTISED_HOST_FOR_ANY_INTERFACE, BROKER_SETTINGS, type SettingDef, SETTINGS_BY_KEY } from './broker-settings.js';
import { type AddScramEntry, parseAddScram } from './add-scram.js';
import { type ListenerSpec, listenerAddress, parseListeners, parsePort } from './listeners.js';
import { ConfigError, type ConfigValue, parseValue } from './types.js';

export type SettingSource = 'default' | 'file' | 'env' | 'flag' | 'embedded';

/** Kafka keys that mean nothing on a single-process broker: accepted and ignored with a note. */
const IGNORED_KAFKA_KEYS = new Set([
  'process.roles', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'num.network.threads', 'num.io.threads',
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
  /** Embedded `--add-scram` entries: SCRAM users created at start-up if they do not exist yet. */
  addScram?: readonly string[];
}

export interface Listener {
  name: string;
  /** Bind host; '' means every interface. */
  host: string;
  port: number;
}

/** `<mechanism>.sasl.jaas.config` without a listener prefix (Kafka reads it for every listener). */
const MECHANISM_JAAS_KEY = /^[A-Za-z0-9-]+\.sasl\.jaas\.config$/;

/** Keys set per listener (`listener.name.<name>.<key>`, Kafka's listener prefix). */
const LISTENER_PREFIX = 'listener.name.';

/** Dynamic broker configs as stored (text): for this node and the cluster-wide default, listener-prefixed keys included. */
export interface DynamicConfigTexts {
  readonly broker: Readonly<Record<string, string>>;
  readonly default: Readonly<Record<string, string>>;
}

/**
 * A part of the running broker that takes dynamic configs live (Kafka's Reconfigurable): asked
 * before an AlterConfigs is stored, told after it was, and once at start-up with the stored ones.
 */
export interface Reconfigurable {
  /**
   * Why these dynamic configs cannot be taken, in Kafka's words, or undefined. Must not change anything.
   * `requested`: the config names the AlterConfigs named (a keystore path set again to the same value
   * reloads a changed file, as in Kafka); undefined at start-up.
   */
  validateReconfiguration?(dynamic: DynamicConfigTexts, requested?: ReadonlySet<string>): string | undefined;
  reconfigure(dynamic: DynamicConfigTexts, requested?: ReadonlySet<string>): void;
}

export class BrokerConfig {
  constructor(
    private readonly values: Map<string, ConfigValue>,
    private readonly sources: Map<string, SettingSource>,
    /** The listeners served, in the order of `listeners`; the first is the default one. */
    readonly listeners: readonly ListenerSpec[],
    readonly ignored: string[],
    /** `listener.name.<l>.<key>` settings as text, by full key (the listener part in lower case). */
    private readonly listenerPrefixed: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** `--add-scram` entries (passwords in memory only until start-up has salted them). */
  addScram: AddScramEntry[] = [];

  /** A copy with some settings replaced (source 'embedded'): postgres:// storage gives its broker the node id the database allocated. */
  withSettings(settings: Readonly<Record<string, ConfigValue>>): BrokerConfig {
    const values = new Map(this.values);
    const sources = new Map(this.sources);
    for (const [key, value] of Object.entries(settings)) {
      values.set(key, value);
      sources.set(key, 'embedded');
    }
    const copy = new BrokerConfig(values, sources, this.listeners, this.ignored, this.listenerPrefixed);
    copy.addScram = this.addScram;
    return copy;
  }

  /** The first listener: the one embedded use and single-listener start-up talk about. */
  get listener(): Listener {
    const { name, host, port } = this.listeners[0];
    return { name, host, port };
  }
  get advertised(): { host: string; port: number | null } {
    return this.listeners[0].advertised;
  }

  /**
   * A setting as seen by one listener: `listener.name.<listener>.<key>` (text) when set, else null
   * (the caller falls back to the unprefixed setting). Kafka's listener prefix, listener name in lower case.
   */
  listenerSetting(listenerName: string, key: string): string | null {
    return this.listenerPrefixed.get(`${LISTENER_PREFIX}${listenerName.toLowerCase()}.${key}`) ?? null;
  }

  /** Every `listener.name.<listener>.<key>` set at start-up, by full key (listener name in lower case). */
  listenerSettings(listenerName: string): Map<string, string> {
    const prefix = `${LISTENER_PREFIX}${listenerName.toLowerCase()}.`;
    return new Map([...this.listenerPrefixed].filter(([k]) => k.startsWith(prefix)));
  }

  /** `<mechanism>.sasl.jaas.config` set without a listener prefix, or null. */
  mechanismJaasConfig(mechanism: string): string | null {
    return this.listenerPrefixed.get(`${mechanism.toLowerCase()}.sasl.jaas.config`) ?? null;
  }

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
  private readonly reconfigurables: Reconfigurable[] = [];
  addReconfigurable(r: Reconfigurable): void {
    this.reconfigurables.push(r);
  }
  removeReconfigurable(r: Reconfigurable): void {
    const i = this.reconfigurables.indexOf(r);
    if (i >= 0) this.reconfigurables.splice(i, 1);
  }
  /** The first refusal of a reconfigurable, or undefined when all can take these dynamic configs. */
  reconfigurationProblem(dynamic: DynamicConfigTexts, requested?: ReadonlySet<string>): string | undefined {
    for (const r of this.reconfigurables) {
      const problem = r.validateReconfiguration?.(dynamic, requested);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  /** Tells every reconfigurable the dynamic configs now in force (after setDynamicConfigs). */
  reconfigure(dynamic: DynamicConfigTexts, requested?: ReadonlySet<string>): void {
    for (const r of this.reconfigurables) r.reconfigure(dynamic, requested);
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

  const listenerPrefixed = new Map<string, string>();
  const set = (key: string, text: string, source: SettingSource, where: string) => {
    if (key.startsWith(LISTENER_PREFIX)) {
      const rest = key.slice(LISTENER_PREFIX.length);
      const dot = rest.indexOf('.');
      if (dot <= 0) throw new ConfigError(`setting '${key}' (${where}) is not listener.name.<listener>.<key>`);
      listenerPrefixed.set(`${LISTENER_PREFIX}${rest.slice(0, dot).toLowerCase()}${rest.slice(dot)}`, text);
      return;
    }
    if (MECHANISM_JAAS_KEY.test(key)) {
      listenerPrefixed.set(key.toLowerCase(), text);
      return;
    }
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
  // --add-scram may be given many times (one user and mechanism each), as kafka-storage format takes it.
  const addScram = { flag: 'add-scram', values: [] as string[] };
  const flags = parseFlags(argv, addScram);
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
    if (key.startsWith(LISTENER_PREFIX) || MECHANISM_JAAS_KEY.test(key)) {
      set(key, String(value), 'embedded', 'embedded options');
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

  const { served, controllerOnly } = parseListeners({
    listeners: values.get('listeners') as string,
    advertisedListeners: values.get('advertised.listeners') as string,
    securityProtocolMap: values.get('listener.security.protocol.map') as string,
    interBrokerListenerName: values.get('inter.broker.listener.name') as string | null,
    controllerListenerNames: values.get('controller.listener.names') as string | null,
  });
  for (const name of controllerOnly) ignored.push(`listeners: ${name} (controller listener)`);
  applyListenerFlags(served, listenerFlags);
  const config = new BrokerConfig(values, sources, served, ignored, listenerPrefixed);
  config.addScram = [...addScram.values, ...(options.addScram ?? [])].map(parseAddScram);
  return config;
}

/**
 * --port, --host, --advertised-host and --advertised-port (and their env and embedded forms) change
 * the one listener. With several they could only guess which one is meant: an error naming them.
 */
function applyListenerFlags(served: ListenerSpec[], flags: Partial<Record<ListenerFlag, string>>): void {
  const given = LISTENER_FLAGS.filter((f) => flags[f] !== undefined);
  if (given.length === 0) return;
  if (served.length > 1) {
    throw new ConfigError(
      `--${given[0]} cannot be used with several listeners (${served.map((l) => listenerAddress(l.name, l.host, l.port)).join(',')}): set each listener's host and port in listeners (and advertised.listeners)`,
    );
  }
  const l = served[0];
  if (flags.host !== undefined) {
    l.host = flags.host;
    if (flags['advertised-host'] === undefined && l.advertised.port === null) {
      l.advertised.host = l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? ADVERTISED_HOST_FOR_ANY_INTERFACE : l.host;
    }
  }
  if (flags.port !== undefined) l.port = parsePort(flags.port, 'port');
  if (flags['advertised-host'] !== undefined) l.advertised.host = flags['advertised-host'];
  if (flags['advertised-port'] !== undefined) l.advertised.port = parsePort(flags['advertised-port'], 'advertised-port');
}

/** Declaration lists (src/config/declarations.ts): each time the flag is given adds to the list. */
const LIST_FLAGS = new Set(['create-topics', 'create.topics', 'create-acls', 'create.acls']);

function setFlag(out: Map<string, string>, flag: string, value: string): void {
  const before = out.get(flag);
  out.set(flag, before !== undefined && LIST_FLAGS.has(flag) ? `${before};${value}` : value);
}

/** `--key value`, `--key=value` and bare `--flag` (true) into a map. */
function parseFlags(argv: readonly string[], repeated: { flag: string; values: string[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    if (arg === `--${repeated.flag}` && i + 1 < argv.length) {
      repeated.values.push(argv[++i]);
    } else if (arg.startsWith(`--${repeated.flag}=`)) {
      repeated.values.push(arg.slice(repeated.flag.length + 3));
    } else if (eq > 0) {
      setFlag(out, arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      setFlag(out, arg.slice(2), argv[++i]);
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
