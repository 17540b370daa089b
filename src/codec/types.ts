// Small shared types of the generated codec.

/**
 * What the encoders accept for a message type T: every field optional (an absent field is written
 * as its default, as Kafka's default-constructed messages are), arrays readonly, Buffers as they are.
 */
export type EncodeInput<T> = T extends Buffer
  ? T
  : T extends readonly (infer E)[]
    ? readonly EncodeInput<E>[]
    : T extends object
      ? { [K in keyof T]?: K extends '_unknownTaggedFields' ? T[K] : EncodeInput<T[K]> }
      : T;

/** Shared empty values used as defaults (never mutated). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
export const EMPTY_ARRAY: readonly never[] = Object.freeze([]);
export const EMPTY_OBJECT: {} = Object.freeze({});
