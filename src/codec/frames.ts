// Cuts a TCP byte stream into Kafka frames (int32 size + payload). A frame that lies inside one
// incoming chunk is returned as a view of that chunk (no copy); only a frame that spans chunks is
// joined, once, when its last byte arrives. Each frame comes with whether its memory is its own: a
// joined frame of 4 KiB or more is (joined into memory of its own, not Node's shared pool, which
// holds allocations under 4 KiB on Node 20 and under 32 KiB on Node 24), and so is a view of a chunk
// that holds this frame alone and owns its memory; a view of a chunk holding other frames is not.
// Keeping an own frame alive keeps no other request's bytes alive. The size limit is checked as soon
// as the four size bytes are known, before any of the payload is buffered, and memory is only ever
// held for bytes that actually arrived (a size prefix alone allocates nothing).

/** Why the stream can't be framed: the connection must be closed. */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly size: number,
  ) {
    super(message);
  }
}

/** True when a chunk's memory is its own (a socket read): no other buffer can be a view of any of it. */
function ownsMemory(chunk: Buffer): boolean {
  return chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length;
}

/** Joined frames this large get memory of their own (a handler may keep views of them); smaller ones share Node's pool (never their own). */
const OWN_MEMORY_MIN = 4 * 1024;

function join(pieces: Buffer[], size: number): Buffer {
  if (size < OWN_MEMORY_MIN) return Buffer.concat(pieces, size);
  const frame = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const p of pieces) at += p.copy(frame, at);
  return frame;
}

export class FrameSplitter {
  /** Bytes of the size prefix seen so far when it spans chunks. */
  private sizeBytes = Buffer.alloc(4);
  private sizeFill = 0;
  /** Pieces of the frame being assembled across chunks, its size and how much has arrived. */
  private partial: Buffer[] | null = null;
  private partialSize = 0;
  private partialFill = 0;

  /** Frames larger than this are refused; may be raised between pushes (a SASL connection once authenticated). */
  constructor(public maxFrameBytes: number) {}

  /** Bytes received of the frame not yet complete. */
  get pendingBytes(): number {
    return this.partial === null ? this.sizeFill : this.partialFill;
  }

  /** True when bytes of an unfinished frame are held. */
  get hasPartialFrame(): boolean {
    return this.partial !== null || this.sizeFill > 0;
  }

  /**
   * Feeds one chunk; calls onFrame for each complete frame payload (without its size prefix),
   * in order, and whether the frame's memory holds nothing but it (and its size prefix). Throws
   * FrameError on a negative or oversized size prefix.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer, ownMemory: boolean) => void): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.partial !== null) {
        const take = Math.min(this.partialSize - this.partialFill, len - pos);
        this.partial.push(chunk.subarray(pos, pos + take));
        this.partialFill += take;
        pos += take;
        if (this.partialFill === this.partialSize) {
          const frame = join(this.partial, this.partialSize);
          this.partial = null;
          onFrame(frame, frame.length >= OWN_MEMORY_MIN);
        }
        continue;
      }
      let size: number;
      if (this.sizeFill === 0 && len - pos >= 4) {
        size = chunk.readInt32BE(pos);
        pos += 4;
      } else {
        while (this.sizeFill < 4 && pos < len) this.sizeBytes[this.sizeFill++] = chunk[pos++];
        if (this.sizeFill < 4) return;
        this.sizeFill = 0;
        size = this.sizeBytes.readInt32BE(0);
      }
      this.checkSize(size);
      if (len - pos >= size) {
        // The whole chunk is this frame (and its size prefix, which the chunk began with).
        onFrame(chunk.subarray(pos, pos + size), pos === 4 && pos + size === len && ownsMemory(chunk));
        pos += size;
      } else {
        this.partial = [];
        this.partialSize = size;
        this.partialFill = 0;
      }
    }
  }

  private checkSize(size: number): void {
    if (size < 0) throw new FrameError(`negative frame size ${size}`, size);
    if (size > this.maxFrameBytes) {
      throw new FrameError(
        `frame of ${size} bytes is larger than socket.request.max.bytes (${this.maxFrameBytes})`,
        size,
      );
    }
  }
}
