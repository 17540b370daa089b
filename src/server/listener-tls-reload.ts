// Certificate reload without a restart (KIP-226), as Kafka's SslFactory does it: an AlterConfigs of a
// listener's listener.name.<l>.ssl.keystore.* / ssl.truststore.* (even to the same value) loads the
// stores again when a setting or a file changed since they were loaded, checks them (readable, key
// matching the certificate, the same subject DN and no lost SubjectAltName, no truststore added
// where there was none) and only then swaps them in: new handshakes get the new certificate,
// connections already open keep theirs. A refusal answers with Kafka's message and keeps the old
// stores. SIGHUP (cli.ts) reloads changed files the same way.

import { X509Certificate } from 'node:crypto';
import type { BrokerConfig, DynamicConfigTexts, Reconfigurable } from '../config/load.js';
import { listenerAddress, type ListenerSpec } from '../config/listeners.js';
import { subjectDnRfc2253 } from '../security/ssl-principal.js';
import type { Logger } from '../util/logger.js';
import { listenerValue } from './listener-security.js';
import { type ListenerTls, listenerTls, mtimeOf, RELOADABLE_TLS_KEYS } from './listener-tls.js';
import { dynamicConfigRefusal } from './connection-quotas.js';
import type { Server } from './server.js';

const RELOADABLE = new Set<string>(RELOADABLE_TLS_KEYS);
/** How Kafka's SslFactory prefixes every refusal of a dynamic keystore update. */
const REFUSED = 'Validation of dynamic config update of SSLFactory failed: org.apache.kafka.common.config.ConfigException: ';

export class ListenerTlsReload implements Reconfigurable {
  private readonly where: string;
  private readonly prefix: string;

  constructor(
    private readonly config: BrokerConfig,
    private readonly spec: ListenerSpec,
    private readonly server: Server,
    private readonly logger: Logger,
  ) {
    this.where = `listener ${listenerAddress(spec.name, spec.host, spec.port)}`;
    this.prefix = `listener.name.${spec.name.toLowerCase()}.`;
  }

  validateReconfiguration(dynamic: DynamicConfigTexts, requested?: ReadonlySet<string>): string | undefined {
    if (!this.concerns(requested)) return undefined;
    let next: ListenerTls | null;
    try {
      next = this.candidate(dynamic);
    } catch (err) {
      return dynamicConfigRefusal(REFUSED + (err as Error).message);
    }
    if (next === null) return undefined;
    const problem = incompatibility(this.server.currentTls!, next, this.config);
    return problem === undefined ? undefined : dynamicConfigRefusal(REFUSED + problem);
  }

  reconfigure(dynamic: DynamicConfigTexts, requested?: ReadonlySet<string>): void {
    if (!this.concerns(requested)) return;
    let next: ListenerTls | null;
    try {
      next = this.candidate(dynamic);
    } catch (err) {
      // Only at start-up (an AlterConfigs was validated first): the stored stores cannot be read now.
      this.logger.error('TLS keystore not reloaded; the listener keeps the one it has', { listener: this.spec.name, reason: (err as Error).message });
      return;
    }
    if (next === null) return;
    this.server.replaceTls(next);
    this.logger.info('TLS keystore reloaded', { listener: this.spec.name, subject: next.loaded.certificate.subject.replace(/\n/g, ','), serial: next.loaded.certificate.serialNumber });
  }

  /** SIGHUP: reloads the stores if their files changed, checked as an AlterConfigs is; returns why not, if refused. */
  reloadChangedFiles(dynamic: DynamicConfigTexts): string | undefined {
    const problem = this.validateReconfiguration(dynamic);
    if (problem !== undefined) {
      this.logger.warn('TLS keystore not reloaded', { listener: this.spec.name, reason: problem });
      return problem;
    }
    this.reconfigure(dynamic);
    return undefined;
  }

  /** Is this listener's keystore or truststore among the names an AlterConfigs set (undefined: start-up, SIGHUP)? */
  private concerns(requested: ReadonlySet<string> | undefined): boolean {
    if (requested === undefined) return true;
    for (const name of requested) if (name.startsWith(this.prefix) && RELOADABLE.has(name.slice(this.prefix.length))) return true;
    return false;
  }

  /** The stores as they would load now; null when no setting and no file changed since the last load. Throws ConfigError. */
  private candidate(dynamic: DynamicConfigTexts): ListenerTls | null {
    const current = this.server.currentTls;
    if (current === null) return null;
    const value = (key: string): string | null => {
      const dyn = RELOADABLE.has(key) ? (dynamic.broker[this.prefix + key] ?? dynamic.default[this.prefix + key]) : undefined;
      return dyn ?? listenerValue(this.config, this.spec.name, key);
    };
    const settings = JSON.stringify(RELOADABLE_TLS_KEYS.map(value));
    const filesChanged = current.loaded.files.some((f) => mtimeOf(f.path) !== f.mtimeMs);
    if (settings === current.loaded.settings && !filesChanged) return null;
    const sasl = this.spec.securityProtocol === 'SASL_SSL';
    const next = listenerTls(value, this.spec.name, this.where, (key) => this.config.listenerSetting(this.spec.name, key), sasl);
    // ssl.client.auth, protocols and ciphers are not reloaded (Kafka's SslFactory takes only the stores).
    return { ...next, clientAuth: current.clientAuth, principalMapper: current.principalMapper };
  }
}

/**
 * Kafka's checks of a new keystore against the one in use (SslFactory.CertificateEntries): the same
 * subject DN unless ssl.allow.dn.changes, every SubjectAltName kept unless ssl.allow.san.changes,
 * and no truststore added to a listener that had none.
 */
function incompatibility(current: ListenerTls, next: ListenerTls, config: BrokerConfig): string | undefined {
  const before = current.loaded.certificate;
  const after = next.loaded.certificate;
  if (!config.bool('ssl.allow.dn.changes') && subjectDnRfc2253(before.raw).toLowerCase() !== subjectDnRfc2253(after.raw).toLowerCase()) {
    return `Keystore DistinguishedName does not match:  existing={alias=kafka, DN=${javaDn(before)}}, new={alias=kafka, DN=${javaDn(after)}}`;
  }
  if (!config.bool('ssl.allow.san.changes')) {
    const kept = new Set(altNames(after));
    if (!altNames(before).every((n) => kept.has(n))) {
      return `Keystore SubjectAltNames do not match:  existing={alias=kafka, SAN=[${altNames(before).join(', ')}]}, new={alias=kafka, SAN=[${altNames(after).join(', ')}]}`;
    }
  }
  if (!current.loaded.hasTruststore && next.loaded.hasTruststore) return 'Cannot add SSL truststore to an existing listener for which no truststore was configured.';
  return undefined;
}

/** X500Principal.toString(): RDNs most specific first, separated by ', '. */
function javaDn(cert: X509Certificate): string {
  return subjectDnRfc2253(cert.raw).replace(/(?<!\\),/g, ', ');
}

function altNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '').split(', ').filter((n) => n !== '');
}
