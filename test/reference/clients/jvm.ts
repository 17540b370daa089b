// What the JVM-based client tests (java/, kafka-tools/) share: is a folder's compiled program there and
// up to date, and run it once on the reference classpath, reading the JSON lines it prints.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REFERENCE_CLASSPATH } from '../kafka.mjs';

export interface ScenarioList {
  client: string;
  version: string;
  source: string;
  scenarios: { id: string; title: string }[];
}

export function readScenarios(folder: string): ScenarioList {
  return JSON.parse(readFileSync(path.join(folder, 'scenarios.json'), 'utf8')) as ScenarioList;
}

/**
 * Why the folder's Java programs cannot run (not compiled, or older than a source), or null. The
 * message names the command that fixes it. A stale build fails the same way: results from old
 * programs would be no judge of the new ones.
 */
export function compiledProgramsMissing(folder: string): string | null {
  const build = path.join(folder, 'build');
  const sources = readdirSync(path.join(folder, 'src')).filter((f) => f.endsWith('.java'));
  const install = `run \`bash ${path.relative(process.cwd(), path.join(folder, 'install.sh'))}\``;
  for (const source of sources) {
    const compiled = path.join(build, source.replace(/\.java$/, '.class'));
    if (!existsSync(compiled)) return `${path.basename(folder)}: ${source} is not compiled: ${install}`;
    if (statSync(compiled).mtimeMs < statSync(path.join(folder, 'src', source)).mtimeMs) {
      return `${path.basename(folder)}: ${source} changed since it was compiled: ${install}`;
    }
  }
  return null;
}

export interface JvmRun {
  /** The parsed JSON lines of stdout, by their "id". */
  lines: Map<string, Record<string, unknown>>;
  stderr: string;
  exitCode: number | null;
  ms: number;
}

/** Runs `mainClass` from the folder's build/ on the reference classpath and collects its JSON lines. */
export function runJvm(folder: string, mainClass: string, args: string[], options: { stdin?: string } = {}): Promise<JvmRun> {
  const started = performance.now();
  const child = spawn('java', [
    // Short-lived JVMs: the C1 compiler only, a small heap, logs to stderr.
    '-XX:TieredStopAtLevel=1', '-Xmx512m', '-XX:+UseSerialGC',
    `-Dlog4j2.configurationFile=${path.join(folder, 'log4j2.properties')}`,
    '-cp', `${path.join(folder, 'build')}${path.delimiter}${REFERENCE_CLASSPATH}`,
    mainClass, ...args,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => {
      const lines = new Map<string, Record<string, unknown>>();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.set(String(parsed.id), parsed);
      }
      resolve({ lines, stderr, exitCode, ms: performance.now() - started });
    });
  });
}
