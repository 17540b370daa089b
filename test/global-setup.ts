// Builds dist/ once before the tests (tsc, then the CLI bundle, as `npm run build`): tests that run the broker as a child process (the CLI,
// kill -9 durability, the container command) run `node dist/cli.js` exactly as users do. Type
// errors are the typecheck's business (`npm run typecheck`); tsc still emits, so they only warn here.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Newest modification time of any file under dir. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const cli = path.join(root, 'dist/cli.js');
  // `npm ci` already built dist/ (prepare): skip the build when nothing in src/ is newer.
  if (existsSync(cli) && statSync(cli).mtimeMs > newestMtime(path.join(root, 'src'))) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    process.stderr.write(`warning: tsc reported errors while building dist/ for the tests:\n${out}\n`);
  }
  // The CLI as it ships: bundled (scripts/bundle-cli.mjs, the second half of `npm run build`).
  execFileSync(process.execPath, [path.join(root, 'scripts/bundle-cli.mjs')], { cwd: root, stdio: 'pipe' });
  if (!existsSync(path.join(root, 'dist/cli.js'))) throw new Error('dist/cli.js was not built');
}
