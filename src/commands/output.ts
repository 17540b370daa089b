// Output of the admin commands: aligned tables for people, JSON for scripts, progress on stderr.
// Writes honour backpressure (wait for 'drain') and notice a closed pipe (`... | head`): a closed
// stdout stops the command cleanly instead of crashing it with EPIPE.

import type { Writable } from 'node:stream';

export class Output {
  /** True once the reader of stdout went away (EPIPE). */
  closed = false;
  private readonly closedWaiters: (() => void)[] = [];

  constructor(
    readonly stdout: Writable,
    readonly stderr: Writable,
    /** --json: machine-readable output. */
    readonly json: boolean,
  ) {
    stdout.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE (reader gone) or any other write failure: there is nobody left to print to.
      void err;
      this.markClosed();
    });
    stdout.on('close', () => this.markClosed());
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.closedWaiters.splice(0).forEach((w) => w());
  }

  /** Resolves when stdout's reader goes away. */
  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /** Writes text; when the stream's buffer is full, waits for 'drain' (or the pipe closing). */
  async write(text: string | Buffer): Promise<void> {
    if (this.closed) return;
    if (this.stdout.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stdout.off('drain', done);
        resolve();
      };
      this.stdout.on('drain', done);
      this.closedWaiters.push(done);
    });
  }

  /** Resolves once every earlier write has been handed on (a write's callback comes in order). */
  flush(): Promise<void> {
    if (this.closed || this.stdout.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.closedWaiters.push(resolve);
      this.stdout.write('', () => resolve());
    });
  }

  /** A JSON document, one line. */
  printJson(value: unknown): Promise<void> {
    return this.write(JSON.stringify(value) + '\n');
  }

  /** An aligned table: a header row, then rows; the last column is not padded. */
  printTable(headers: string[], rows: (string | number | null | undefined)[][]): Promise<void> {
    return this.write(formatTable(headers, rows));
  }

  /** A line for people on stderr (progress, summaries): stdout stays clean for the data. */
  note(text: string): void {
    this.stderr.write(text + '\n');
  }
}

export function formatTable(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n').join('');
}

/** Periodic progress on stderr for long operations, at most every `intervalMs`, only on a terminal. */
export class Progress {
  private last = 0;
  constructor(
    private readonly out: Output,
    private readonly enabled: boolean,
    private readonly intervalMs = 1000,
  ) {}

  tick(message: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.out.note(message());
  }
}
