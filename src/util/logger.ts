// One line per event: human-readable by default, JSON with format 'json'. Every module takes a
// Logger (usually a child with its own component name) instead of writing to the console.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface LogSink {
  write(line: string): void;
}

export class Logger {
  constructor(
    private readonly sink: LogSink = { write: (line) => process.stderr.write(line) },
    private readonly level: LogLevel = 'info',
    private readonly format: LogFormat = 'text',
    private readonly component = 'broker',
    private readonly base: LogFields = {},
  ) {}

  child(component: string, fields: LogFields = {}): Logger {
    return new Logger(this.sink, this.level, this.format, component, { ...this.base, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return LEVELS[level] >= LEVELS[this.level];
  }

  debug(msg: string, fields?: LogFields): void { this.log('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.log('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.log('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.log('error', msg, fields); }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    const all = fields ? { ...this.base, ...fields } : this.base;
    const time = new Date().toISOString(); // wall time, also under a manual broker clock: lines line up with other logs
    if (this.format === 'json') {
      this.sink.write(JSON.stringify({ time, level, component: this.component, msg, ...all }) + '\n');
      return;
    }
    let line = `${time} ${level.toUpperCase().padEnd(5)} [${this.component}] ${msg}`;
    for (const [k, v] of Object.entries(all)) {
      line += ` ${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`;
    }
    this.sink.write(line + '\n');
  }
}

/** A logger that keeps lines in memory: for tests that assert a log line was written. */
export class MemoryLogger extends Logger {
  readonly lines: string[];
  constructor(level: LogLevel = 'debug') {
    const lines: string[] = [];
    super({ write: (line) => lines.push(line) }, level, 'text');
    this.lines = lines;
  }
}

/** A logger that drops everything. */
export const silentLogger = new Logger({ write: () => {} }, 'error');
