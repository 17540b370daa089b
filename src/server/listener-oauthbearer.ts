// Which OAUTHBEARER validator a listener uses, from Kafka's keys: with no
// `listener.name.<l>.oauthbearer.sasl.server.callback.handler.class`, Kafka's unsecured-token handler
// (options from the OAUTHBEARER JAAS login module); with OAuthBearerValidatorCallbackHandler, signed
// JWTs checked against `sasl.oauthbearer.jwks.endpoint.url` — a file: URL only, keys are never fetched
// over the network — and the sasl.oauthbearer.expected.*, clock.skew.seconds and *.claim.name keys.
// Each of those keys is read as Kafka's ConfigurationUtils reads it: listener.name.<l>.oauthbearer.<key>,
// then listener.name.<l>.<key>, then the broker-wide <key>.

import { fileURLToPath } from 'node:url';
import type { BrokerConfig } from '../config/load.js';
import { ConfigError } from '../config/types.js';
import { parseJaasConfig } from '../security/jaas.js';
import { JwksFile } from '../security/jwt.js';
import { type OAuthBearerValidator, OAUTHBEARER, SignedJwtValidator, UnsecuredJwsValidator, unsecuredValidatorOptions } from '../security/oauthbearer.js';

const SIGNED_HANDLERS = new Set([
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  // Kafka 3.1-3.x's name, deprecated but still accepted by Kafka 4.
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
]);
const UNSECURED_HANDLER = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';

export function oauthBearerValidator(config: BrokerConfig, listener: string, where: string): OAuthBearerValidator {
  const prefix = `listener.name.${listener.toLowerCase()}.oauthbearer.`;
  const handler = config.listenerSetting(listener, 'oauthbearer.sasl.server.callback.handler.class')?.trim() ?? '';
  if (handler === '' || handler === UNSECURED_HANDLER) return unsecuredValidator(config, listener, where);
  if (!SIGNED_HANDLERS.has(handler)) {
    throw new ConfigError(`${where}: ${prefix}sasl.server.callback.handler.class=${handler} is not supported by Tributary (Kafka's ${[...SIGNED_HANDLERS][0]} or, unset, its unsecured-token handler)`);
  }
  const setting = (key: string): string | null => {
    const own = config.listenerSetting(listener, `oauthbearer.${key}`) ?? config.listenerSetting(listener, key);
    if (own !== null) return own.trim();
    const v = config.get(key);
    return v === null ? null : Array.isArray(v) ? v.join(',') : String(v);
  };
  const url = setting('sasl.oauthbearer.jwks.endpoint.url');
  if (url === null || url === '') throw new ConfigError(`${where}: OAuthBearerValidatorCallbackHandler needs sasl.oauthbearer.jwks.endpoint.url (a file:// URL of a JWKS file)`);
  let keys: JwksFile;
  try {
    keys = new JwksFile(jwksPath(url));
  } catch (err) {
    throw new ConfigError(`${where}: sasl.oauthbearer.jwks.endpoint.url: ${(err as Error).message}`);
  }
  const skewText = setting('sasl.oauthbearer.clock.skew.seconds') ?? '30';
  const clockSkewSeconds = Number(skewText);
  if (!Number.isInteger(clockSkewSeconds) || clockSkewSeconds < 0) throw new ConfigError(`${where}: sasl.oauthbearer.clock.skew.seconds must be a whole number of seconds, at least 0 (got ${skewText})`);
  const nonBlank = (v: string | null, dflt: string) => (v === null || v === '' ? dflt : v);
  return new SignedJwtValidator({
    keys,
    expectedIssuer: nonBlank(setting('sasl.oauthbearer.expected.issuer'), '') || null,
    expectedAudience: (setting('sasl.oauthbearer.expected.audience') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== ''),
    clockSkewSeconds,
    subClaimName: nonBlank(setting('sasl.oauthbearer.sub.claim.name'), 'sub'),
    scopeClaimName: nonBlank(setting('sasl.oauthbearer.scope.claim.name'), 'scope'),
  });
}

/** The path of a file: URL; any other scheme is refused (Tributary fetches nothing over the network). */
function jwksPath(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${url} is not a URL (expected file:///path/to/jwks.json)`);
  }
  if (parsed.protocol !== 'file:') {
    throw new Error(`${url}: Tributary reads verification keys only from a local file and never over the network; save the JWKS document and give its file:// URL`);
  }
  return fileURLToPath(parsed);
}

/** Kafka's default: unsecured tokens, with the unsecuredValidator* options of the OAUTHBEARER JAAS login module. */
function unsecuredValidator(config: BrokerConfig, listener: string, where: string): OAuthBearerValidator {
  const jaas =
    config.listenerSetting(listener, 'oauthbearer.sasl.jaas.config') ??
    config.mechanismJaasConfig(OAUTHBEARER) ??
    config.listenerSetting(listener, 'sasl.jaas.config') ??
    (config.get('sasl.jaas.config') as string | null);
  let options = new Map<string, string>();
  if (jaas !== null && jaas.trim() !== '') {
    try {
      const modules = parseJaasConfig(jaas);
      options = (modules.find((m) => m.className.endsWith('.OAuthBearerLoginModule')) ?? modules[0]).options;
    } catch (err) {
      throw new ConfigError(`${where}: listener.name.${listener.toLowerCase()}.oauthbearer.sasl.jaas.config: ${(err as Error).message}`);
    }
  }
  try {
    return new UnsecuredJwsValidator(unsecuredValidatorOptions(options));
  } catch (err) {
    throw new ConfigError(`${where}: OAUTHBEARER JAAS option ${(err as Error).message}`);
  }
}
