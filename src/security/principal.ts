// Who a connection is: Kafka's principal, "User:alice" — a type and a name. Unauthenticated
// connections on a PLAINTEXT listener are User:ANONYMOUS, as in Kafka.

export interface KafkaPrincipal {
  readonly type: string;
  readonly name: string;
}

export const USER_TYPE = 'User';
export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: USER_TYPE, name: 'ANONYMOUS' });
/** ACLs for `User:*` apply to every principal, whatever its type (Kafka's WILDCARD_KAFKA_PRINCIPAL). */
export const WILDCARD_PRINCIPAL = 'User:*';

export function principalToString(p: KafkaPrincipal): string {
  return `${p.type}:${p.name}`;
}

/** Parses "Type:name" (the name may contain ':'); null when there is no type. */
export function parsePrincipal(text: string): KafkaPrincipal | null {
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return { type: text.slice(0, colon), name: text.slice(colon + 1) };
}
