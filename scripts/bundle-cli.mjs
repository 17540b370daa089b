// Bundles the command line (dist/cli.js, as tsc emitted it) into dist/cli.js plus chunks in
// dist/cli-chunks/: the modules a broker start needs become a few files instead of ~120, and loading
// them was most of the start-up time left above Node's own (docs/bench.md, "Start-up"). What the CLI
// import()s lazily (API handlers, admin commands, conformance, TLS, metrics) stays in chunks of its
// own, loaded when first used. The embedded API (dist/index.js) is not bundled: it stays tsc's output.
// Run by `npm run build` after tsc.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
// rolldown() reads the whole module graph; the files are written only by write() below, so the
// entry can be replaced in place and the chunks of an earlier build removed in between.
const bundle = await rolldown({ input: path.join(dist, 'cli.js'), platform: 'node', logLevel: 'warn' });
rmSync(path.join(dist, 'cli-chunks'), { recursive: true, force: true });
const { output } = await bundle.write({ dir: dist, format: 'esm', entryFileNames: 'cli.js', chunkFileNames: 'cli-chunks/[name]-[hash].js', sourcemap: true });
await bundle.close();
process.stdout.write(`bundled dist/cli.js and ${output.length - 1} chunks\n`);
