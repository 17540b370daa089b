// Bundles the command line (dist/cli.js, as tsc emitted it) into dist/cli.js plus chunks in
// dist/cli-chunks/: the modules a broker start needs become one chunk instead of ~120 modules, and
// loading them was most of the start-up time left above Node's own (docs/bench.md, "Start-up"). What the
// CLI import()s lazily (API handlers, admin commands, conformance, TLS, metrics, PostgreSQL) stays in
// chunks of its own, loaded when first used. The embedded API (dist/index.js) is not bundled: it stays
// tsc's output. Run by `npm run build` after tsc.
//
// Two passes. The first splits as rolldown does by default, into chunks by import graph; from it the
// start path is read: the chunks a plain broker start loads (cli.js's static imports and those of the
// modules it import()s on that path, START_IMPORTS, with theirs). The second puts every module of those
// chunks into one 'start' chunk. Left to the default split, those modules came in ~25 chunks, and
// loading that many ES modules cost about 4.6 MiB of idle memory (Node's resolver code optimised, more
// of its binary touched) and start-up time (docs/bench.md, "Start-up").
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
/** What src/cli.ts import()s to start a broker (file:// or memory:// storage), as tsc emitted it. */
const START_IMPORTS = ['config/load.js', 'config/types.js', 'util/logger.js', 'broker.js', 'pg/connection.js'].map((f) => path.join(dist, f));
const input = { input: path.join(dist, 'cli.js'), platform: 'node', logLevel: 'warn' };
const naming = { format: 'esm', entryFileNames: 'cli.js', chunkFileNames: 'cli-chunks/[name]-[hash].js' };

const probe = await rolldown(input);
const { output: split } = await probe.generate(naming);
await probe.close();
const chunks = new Map(split.filter((c) => c.type === 'chunk').map((c) => [c.fileName, c]));
const onStartPath = new Set();
const visit = (chunk) => {
  if (chunk === undefined || onStartPath.has(chunk)) return;
  onStartPath.add(chunk);
  for (const imported of chunk.imports) visit(chunks.get(imported));
};
visit([...chunks.values()].find((c) => c.isEntry));
for (const m of START_IMPORTS) {
  const holder = [...chunks.values()].find((c) => c.moduleIds.includes(m));
  if (holder === undefined) throw new Error(`bundle-cli: ${path.relative(dist, m)} is not in the bundle: update START_IMPORTS to what src/cli.ts imports`);
  visit(holder);
}
const startModules = new Set([...onStartPath].filter((c) => !c.isEntry).flatMap((c) => c.moduleIds));

const bundle = await rolldown(input);
// rolldown() reads the whole module graph; the files are written only by write() below, so the
// entry can be replaced in place and the chunks of an earlier build removed in between.
rmSync(path.join(dist, 'cli-chunks'), { recursive: true, force: true });
const { output } = await bundle.write({
  ...naming,
  dir: dist,
  sourcemap: true,
  // V8 keeps a module's source text for lazy compilation, in one byte per character only while every
  // character is Latin-1: one arrow in a comment doubled the start chunk's 750 KB held in memory.
  // Strings are escaped, comments (JSDoc; the rest tsc already dropped) left out.
  charset: 'ascii',
  comments: false,
  codeSplitting: { groups: [{ name: (id) => (startModules.has(id) ? 'start' : null), debugName: 'start' }] },
});
await bundle.close();
process.stdout.write(`bundled dist/cli.js and ${output.length - 1} chunks (${startModules.size} modules on the start path in one)\n`);
