// UUIDs as Kafka prints them: 22-character base64url strings of the 16 bytes (Kafka's
// Uuid.toString()). Strings compare with ===, serve as Map keys and print as Kafka tools print them.
import { randomBytes } from 'node:crypto';

/** A Kafka UUID in its canonical form: 22 characters of unpadded base64url. */
export type Uuid = string;

/** The all-zero UUID, which Kafka uses for "no UUID". */
export const ZERO_UUID: Uuid = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Kafka's reserved id of the metadata topic (0...01). */
export const METADATA_TOPIC_ID: Uuid = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** Canonical string of 16 bytes at `offset`. */
export function uuidFromBytes(buf: Buffer, offset = 0): Uuid {
  return buf.toString('base64url', offset, offset + 16);
}

/** The 16 bytes of a UUID (throws a TypeError on a malformed string). */
export function uuidToBytes(u: Uuid): Buffer {
  const b = Buffer.alloc(16);
  if (u.length !== 22 || b.write(u, 0, 16, 'base64url') !== 16) throw new TypeError(`not a Kafka UUID: ${u}`);
  return b;
}

/** Kafka's printable form; our representation already is that string. */
export function uuidToString(u: Uuid): string {
  return u;
}

/** The RFC 4122 form (8-4-4-4-12 hex digits). */
export function uuidToHex(u: Uuid): string {
  const h = uuidToBytes(u).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Parses either form: 22-char base64url or 36-char hex. */
export function parseUuid(s: string): Uuid {
  if (s.length === 36) {
    const b = Buffer.from(s.replace(/-/g, ''), 'hex');
    if (b.length !== 16) throw new TypeError(`not a UUID: ${s}`);
    return uuidFromBytes(b);
  }
  uuidToBytes(s);
  return s;
}

/** A random version-4 UUID that, as in Kafka, is neither reserved nor starts with '-'. */
export function randomUuid(): Uuid {
  for (;;) {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const u = uuidFromBytes(b);
    if (u !== ZERO_UUID && u !== METADATA_TOPIC_ID && u[0] !== '-') return u;
  }
}
