// What the network layer needs from the layer above it: something that turns one request frame
// into the response bytes, and the facts about a connection that handlers may want.

/** A handler's answer to one frame. */
export type DispatchResult =
  /** Response frames, size prefix included, ready for writev. */
  | Buffer[]
  /** No response (acks=0 produce): the next response may go out. */
  | null
  /** No response, and close the connection once earlier responses are written (Kafka's answer
   *  to an acks=0 produce that failed, and to requests it cannot parse). */
  | typeof CLOSE_CONNECTION;

export const CLOSE_CONNECTION: unique symbol = Symbol('close-connection');

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly listenerName: string;
  /** Per-connection state that handlers may keep (client software name, SASL state, ...). */
  readonly attributes: Map<string, unknown>;
}

export interface RequestDispatcher {
  /**
   * Handles one frame (without its size prefix). May answer synchronously or with a promise.
   * Throwing (or rejecting) closes the connection after a log line; other connections are
   * unaffected.
   */
  dispatch(frame: Buffer, connection: ConnectionInfo): DispatchResult | Promise<DispatchResult>;
}
