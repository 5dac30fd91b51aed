// npm run profile: where a cached decision's CPU time goes. Portcullis and the bare node:http
// floor each take the benchmark's cached-key request from wrk while a profiler watches: Linux
// `perf` when it is installed (every CPU sample of every thread, kernel included, JavaScript named
// through --perf-basic-prof), else V8's own sampler (node --cpu-prof, JavaScript's view only).
// Writes a flame graph of each (docs/bench/profile-*.svg) and docs/bench/profile.md.
// PROFILE_SECONDS sets the load (default 10); PROFILE_WITH=v8 forces V8's sampler.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from '../src/keys/key-format.js';
import { openBackends } from './backends.js';
import {
  flameGraphSvg,
  FRAME_KINDS,
  perfCallTree,
  sharesByKind,
  topFunctions,
  v8CallTree,
  type CpuProfile,
  type Frame,
} from './flame-graph.js';
import {
  createKey,
  freePort,
  startPortcullis,
  stop,
  WARMUP_SECONDS,
  work,
  wrkLoad,
  type Target,
} from './harness.js';
import { ensureWrk, type LoadResult } from './load.js';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
const SAMPLE_HZ = 999;
const DOCS = join(process.cwd(), 'docs', 'bench');
const WITH_PERF =
  process.env.PROFILE_WITH !== 'v8' && spawnSync('perf', ['--version']).status === 0;

interface Profiled {
  label: string;
  file: string;
  load: LoadResult;
  tree: Frame;
}

/** How one process is profiled: Node's flags, and the tree of what was sampled under load. */
interface Profiler {
  nodeOptions: string[];
  underLoad(
    child: ChildProcess,
    startedAt: number,
    load: () => Promise<LoadResult>,
  ): Promise<{
    load: LoadResult;
    tree: () => Frame;
  }>;
}

async function main(): Promise<void> {
  if (!ensureWrk()) throw new Error('wrk is needed: apt-get install -y wrk');
  console.log(`Profiling with ${WITH_PERF ? 'perf' : "V8's sampler (perf is not installed)"}`);
  const backends = await openBackends('profile');
  const adminKey = generateKey().plaintext;

  const ourProfiler = WITH_PERF ? perfProfiler('portcullis') : v8Profiler('portcullis');
  const portcullis = await startPortcullis(
    {
      PORTCULLIS_SECRET: generateKey().plaintext,
      PORTCULLIS_BOOTSTRAP_ADMIN: 'profile-admin',
      PORTCULLIS_BOOTSTRAP_ADMIN_KEY: adminKey,
      GRPC_PORT: 'off',
      ...backends.env(join(work, 'data')),
    },
    ourProfiler.nodeOptions,
  );
  const key = (await createKey(portcullis.url, adminKey)).key;
  const request: Target = {
    url: `${portcullis.url}/v1/authz/nginx`,
    headers: {
      Authorization: `Bearer ${key}`,
      'X-Original-URI': '/orders/42?expand=items',
      'X-Original-Method': 'GET',
    },
    status: 200,
  };
  const ours = await profile(
    'Portcullis, nginx endpoint, cached key',
    ourProfiler,
    portcullis.child,
    portcullis.startedAt,
    request,
  );
  await stop(portcullis.child);
  await backends.release();

  const floorProfiler = WITH_PERF ? perfProfiler('floor') : v8Profiler('floor');
  const floorPort = await freePort();
  const floorStartedAt = Date.now();
  const floor = spawn(
    process.execPath,
    [...floorProfiler.nodeOptions, join(import.meta.dirname, 'floor-server.js'), String(floorPort)],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  await new Promise((resolve) => floor.once('message', resolve));
  const bare = await profile('the floor, bare node:http', floorProfiler, floor, floorStartedAt, {
    ...request,
    url: `http://127.0.0.1:${floorPort}/`,
  });
  await stop(floor);

  const results: Profiled[] = [
    { ...ours, file: 'profile-cached-key.svg' },
    { ...bare, file: 'profile-floor.svg' },
  ];
  mkdirSync(DOCS, { recursive: true });
  for (const result of results) {
    writeFileSync(
      join(DOCS, result.file),
      flameGraphSvg(result.tree, `${result.label}: ${result.tree.total} samples under load`),
    );
  }
  writeFileSync(join(DOCS, 'profile.md'), report(results));
  console.log(`Wrote docs/bench/profile.md, ${results.map((r) => r.file).join(', ')}`);
}

async function profile(
  label: string,
  profiler: Profiler,
  child: ChildProcess,
  startedAt: number,
  request: Target,
): Promise<{ label: string; load: LoadResult; tree: Frame }> {
  console.log(`Profiling ${label} for ${SECONDS} s`);
  await wrkLoad(request, WARMUP_SECONDS);
  const run = await profiler.underLoad(child, startedAt, () => wrkLoad(request, SECONDS));
  // A V8 profile is written when the process exits.
  await stop(child);
  return { label, load: run.load, tree: run.tree() };
}

/** perf record on the process while the load runs: every CPU sample, of every thread. */
function perfProfiler(name: string): Profiler {
  const output = join(work, `${name}.perf.data`);
  return {
    // --perf-basic-prof also turns on V8's log, which would land in the checkout.
    nodeOptions: [
      '--perf-basic-prof',
      '--no-logfile-per-isolate',
      `--logfile=${join(work, `${name}.v8.log`)}`,
    ],
    async underLoad(child, _startedAt, load) {
      const recorder = spawn(
        'perf',
        ['record', '-q', '-F', String(SAMPLE_HZ), '-g', '-p', String(child.pid), '-o', output],
        { stdio: 'ignore' },
      );
      const result = await load();
      const stopped = new Promise((resolve) => recorder.once('exit', resolve));
      recorder.kill('SIGINT');
      await stopped;
      return {
        load: result,
        tree: () => {
          const script = spawnSync('perf', ['script', '-i', output], {
            maxBuffer: 1024 * 1024 * 1024,
            encoding: 'utf8',
          }).stdout;
          rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
          return perfCallTree(script);
        },
      };
    },
  };
}

/** node --cpu-prof: the samples taken while the load ran (written at exit). */
function v8Profiler(name: string): Profiler {
  const dir = join(work, `${name}-cpu-profile`);
  return {
    nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    async underLoad(_child, startedAt, load) {
      const from = Date.now() - startedAt;
      const result = await load();
      const to = Date.now() - startedAt;
      return {
        load: result,
        tree: () => {
          const file = readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'));
          if (file === undefined) throw new Error(`no profile was written in ${dir}`);
          const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
          return v8CallTree(profile, from, to);
        },
      };
    },
  };
}

function report(results: Profiled[]): string {
  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  // With perf every sample is CPU time: samples per request give microseconds per request.
  const perRequest = (result: Profiled, share: number) =>
    WITH_PERF
      ? `${((share * result.tree.total * 1e6) / SAMPLE_HZ / (result.load.requestsPerSecond * SECONDS)).toFixed(1)} µs`
      : percent(share);
  const lines = [
    '# Where a cached decision spends its CPU time',
    '',
    'Written by `npm run profile`. ' +
      (WITH_PERF
        ? `Linux \`perf\` sampled every thread of each process ${SAMPLE_HZ} times a second while wrk ` +
          `(50 connections, ${SECONDS} s) sent it the benchmark's cached-key request; JavaScript is ` +
          'named through `node --perf-basic-prof`. Figures are CPU time per request.'
        : `V8's sampler (\`node --cpu-prof\`) ran in each process while wrk (50 connections, ` +
          `${SECONDS} s) sent it the benchmark's cached-key request; idle samples do not count. ` +
          "Figures are shares of the busy samples; V8's sampler does not see the kernel's share."),
    '',
    'Flame graphs (hover for names and shares): ' +
      results.map((r) => `[${r.label}](${r.file})`).join(', ') +
      '.',
    '',
    `| process | req/s | ${WITH_PERF ? 'CPU per request' : 'busy samples'} | ${FRAME_KINDS.join(' | ')} |`,
    `|---|---|---|${FRAME_KINDS.map(() => '---').join('|')}|`,
  ];
  for (const result of results) {
    const shares = sharesByKind(result.tree);
    lines.push(
      `| ${result.label} | ${Math.round(result.load.requestsPerSecond)} | ` +
        `${WITH_PERF ? perRequest(result, 1) : result.tree.total} | ` +
        FRAME_KINDS.map((kind) => perRequest(result, shares[kind])).join(' | ') +
        ' |',
    );
  }
  for (const result of results) {
    lines.push('', `## ${result.label}: the busiest functions (self time)`, '');
    lines.push('| share | function | kind |', '|---|---|---|');
    for (const top of topFunctions(result.tree, 25)) {
      lines.push(`| ${percent(top.share)} | \`${top.name}\` | ${top.kind} |`);
    }
  }
  return lines.join('\n') + '\n';
}

await main();
