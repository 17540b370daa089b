// What the network layer needs from the layer above it: something that turns one request frame
// into the response bytes.

import type { ConnectionInfo } from '../api/context.js';

export type { ConnectionInfo } from '../api/context.js';

/** No response, and close the connection once earlier responses are written. */
export const CLOSE: unique symbol = Symbol('close');

/** A response to write, after which the connection closes (a failed SASL authentication, as Kafka answers it). */
export class RespondThenClose {
  constructor(readonly frames: Buffer[]) {}
}

/** A dispatcher's answer to one frame. */
export type DispatchResult =
  /** Response frames, size prefix included, ready for writev. */
  | Buffer[]
  /** No response (acks=0 produce): the next response may go out. */
  | null
  /** Kafka's answer to requests it cannot parse, and to a failed acks=0 produce. */
  | typeof CLOSE
  | RespondThenClose;

export interface RequestDispatcher {
  /**
   * Handles one frame (without its size prefix), synchronously or with a promise. Throwing or
   * rejecting closes the connection after a log line; other connections are unaffected.
   * `frameOwnsMemory`: no other request's bytes share the frame's memory (FrameSplitter), so a
   * handler may keep views of it (RequestContext.frameOwnsMemory).
   */
  dispatch(frame: Buffer, connection: ConnectionInfo, frameOwnsMemory?: boolean): DispatchResult | Promise<DispatchResult>;
}
