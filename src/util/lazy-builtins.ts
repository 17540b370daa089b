// Node built-ins that only some brokers use and that are costly to load, required on first use
// instead of imported: node:tls takes 40-80 ms of start-up on Node 24 (12-37 ms on Node 20) when a
// module imports it, and a broker without an SSL or SASL_SSL listener never needs it.

import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

let tls: typeof import('node:tls') | undefined;

/** node:tls, loaded by the first caller (a TLS listener being set up). */
export function nodeTls(): typeof import('node:tls') {
  return (tls ??= requireBuiltin('node:tls') as typeof import('node:tls'));
}
