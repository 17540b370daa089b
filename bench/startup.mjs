// Start-up and idle memory of `node dist/cli.js` against Node's own floor, on each Node binary given,
// optionally against a baseline build, all in the same run (runs interleaved, medians and spread).
//   node bench/startup.mjs [--runs 10] [--node /path/to/node ...] [--baseline /tmp/base/dist/cli.js]
// Plain JavaScript on purpose: it runs on every Node version without a build step.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name) => {
  const out = [];
  for (let i = 0; i < args.length; i++) if (args[i] === name) out.push(args[i + 1]);
  return out;
};
const RUNS = Number(opt('--runs')[0] ?? 10);
const NODES = opt('--node').length > 0 ? opt('--node') : [process.execPath];
const BASELINE = opt('--baseline')[0];
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../dist/cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-startup-'));

const EMPTY_SERVER = "require('node:net').createServer().listen(0, '127.0.0.1', () => console.log('listening'))";

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Spawns argv, resolves once stdout has a line matching `ready` (ms since spawn, and RSS after idleMs). */
function timeToLine(node, argv, ready, idleMs) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(node, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (done || !ready.test(out)) return;
      done = true;
      const ms = performance.now() - t0;
      setTimeout(() => {
        const rss = rssMiB(child.pid);
        child.once('exit', () => resolve({ ms, rss }));
        child.kill('SIGTERM');
      }, idleMs);
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`${argv.join(' ')} exited ${code} before ready: ${err || out}`));
    });
  });
}

function timeExit(node, argv) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    spawn(node, argv, { stdio: 'ignore' }).once('exit', () => resolve(performance.now() - t0));
  });
}

/** In-process startBroker({ storage: 'memory://', port: 0 }) on one node binary: ms of each call after the first. */
async function embedded(node, cli) {
  const index = pathToFileURL(path.join(path.dirname(cli), 'index.js')).href;
  const code = `const { startBroker } = await import(${JSON.stringify(index)});
    const t = [];
    let first;
    for (let i = 0; i < 11; i++) {
      const t0 = performance.now();
      const b = await startBroker({ storage: 'memory://', port: 0 });
      const ms = performance.now() - t0;
      if (i === 0) first = ms; else t.push(ms);
      await b.close();
    }
    t.sort((a, b) => a - b);
    console.log(JSON.stringify({ first, median: t[t.length >> 1], min: t[0], max: t[t.length - 1] }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (c) => (c === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(out))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const spread = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
const spreadF = (xs) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;

async function main() {
  console.log(`# Tributary start-up bench ${new Date().toISOString()}  ${os.cpus().length} cpus  load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`# ${RUNS} runs of each, interleaved; medians (min-max). Broker: node CLI --port 0 --data-dir <fresh dir>; idle RSS 500 ms after 'listening'`);
  const clis = [['this', CLI], ...(BASELINE ? [['baseline', BASELINE]] : [])];
  for (const node of NODES) {
    const version = await new Promise((resolve) => {
      let v = '';
      const c = spawn(node, ['-v']);
      c.stdout.on('data', (d) => (v += d));
      c.once('exit', () => resolve(v.trim()));
    });
    // One warm-up start of each (fills Node 22+'s compile cache, warms the page cache).
    for (const [, cli] of clis) await timeToLine(node, [cli, '--port', '0', '--data-dir', path.join(tmp, 'warm')], /listening on/, 0);
    const r = { nodeE0: [], server: [], serverRss: [] };
    for (const [name] of clis) r[name] = { ms: [], rss: [] };
    for (let i = 0; i < RUNS; i++) {
      r.nodeE0.push(await timeExit(node, ['-e', '0']));
      const s = await timeToLine(node, ['-e', EMPTY_SERVER], /listening/, 500);
      r.server.push(s.ms);
      r.serverRss.push(s.rss);
      for (const [name, cli] of clis) {
        const b = await timeToLine(node, [cli, '--port', '0', '--data-dir', path.join(tmp, `${name}-${version}-${i}`)], /listening on/, 500);
        r[name].ms.push(b.ms);
        r[name].rss.push(b.rss);
      }
    }
    const e0 = median(r.nodeE0);
    console.log(`\n## ${version} (${node})`);
    console.log(`node -e 0                           ${e0.toFixed(0).padStart(5)} ms (${spread(r.nodeE0)})`);
    console.log(`empty node:net server, listening    ${median(r.server).toFixed(0).padStart(5)} ms (${spread(r.server)})   idle RSS ${median(r.serverRss).toFixed(1)} MiB (${spreadF(r.serverRss)})`);
    for (const [name, cli] of clis) {
      const m = median(r[name].ms);
      console.log(`${(name + ' ' + path.relative(process.cwd(), cli)).padEnd(36)}${m.toFixed(0).padStart(5)} ms (${spread(r[name].ms)}) = node -e 0 +${(m - e0).toFixed(0)} ms   idle RSS ${median(r[name].rss).toFixed(1)} MiB (${spreadF(r[name].rss)})`);
    }
    for (const [name, cli] of clis) {
      if (!fs.existsSync(path.join(path.dirname(cli), 'index.js'))) continue; // a build without the library entry point
      const e = await embedded(node, cli);
      console.log(`${name} embedded startBroker(memory://)  first ${e.first.toFixed(1)} ms, then median of 10 ${e.median.toFixed(1)} ms (${e.min.toFixed(1)}-${e.max.toFixed(1)})`);
    }
  }
  console.log(`\n# load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
