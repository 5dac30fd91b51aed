// The benchmark's results as tables (written between markers in docs/benchmarks.md) and a bar
// chart of the ratios (docs/bench/ratios.svg).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  CONNECTIONS,
  RUNS,
  SECONDS,
  WARMUP_SECONDS,
  type RunResult,
  type ScenarioResult,
} from './harness.js';
import type { LoadResult } from './load.js';
import type { ScaleResult } from './scenarios/scale.js';
import { median, ms, percentile, ratioOf, targetVerdicts, type Report } from './verdicts.js';

function throughputTable(results: ScenarioResult[]): string {
  const rows = results.map(({ name, baseline, result }) => {
    const rps = result.runs.map((r) => r.requestsPerSecond);
    const baselineRps = median(result.baselineRuns.map((r) => r.requestsPerSecond));
    const unexpected = (runs: LoadResult[]) => runs.reduce((n, r) => n + r.unexpected, 0);
    return (
      `| ${name} | ${baseline} | ${Math.round(median(rps))} (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}) ` +
      `| ${Math.round(baselineRps)} | **${ratioOf(result).toFixed(2)}** | ${ms(median(result.runs.map((r) => r.p50Ms)))} ` +
      `| ${ms(median(result.runs.map((r) => r.p99Ms)))} | ${ms(median(result.baselineRuns.map((r) => r.p99Ms)))} | ${serverCpu(result)} | ${unexpected(result.runs)} / ${unexpected(result.baselineRuns)} | ${result.peakRssMb ?? '–'} |`
    );
  });
  return [
    '| scenario | baseline | req/s median (min–max) | baseline req/s | ratio to baseline | p50 ms | p99 ms | baseline p99 ms | server CPU µs per response (scenario / baseline) | unexpected responses (scenario / baseline) | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Median CPU per response of the scenario's servers and of the baseline's, when both were named. */
function serverCpu(result: ScenarioResult['result']): string {
  const of = (runs: RunResult[]) => runs.map((r) => r.serverCpuUs);
  const scenario = of(result.runs);
  const baseline = of(result.baselineRuns);
  if (scenario.includes(undefined) || baseline.includes(undefined)) return '–';
  const us = (values: (number | undefined)[]) => median(values as number[]).toFixed(1);
  return `${us(scenario)} / ${us(baseline)}`;
}

function targets(report: Report): string {
  const lines = targetVerdicts(report).map(
    ({ label, value, met }) => `| ${label} | ${value} | ${met ? 'met' : '**not met**'} |`,
  );
  return ['| target | measured | |', '|---|---|---|', ...lines].join('\n');
}

function extraTables(report: Report): string {
  const parts: string[] = [];
  if (report.revocation) {
    const lags = report.revocation.lagsMs;
    parts.push(
      `Revocation across two instances sharing PostgreSQL and Redis, ${report.revocation.trials} trials (from sending the revocation to instance A until instance B's first refusal): ` +
        `p50 ${ms(percentile(lags, 0.5))} ms, p99 ${ms(percentile(lags, 0.99))} ms, max ${ms(Math.max(...lags))} ms.`,
    );
  }
  if (report.scale) {
    const s = report.scale;
    const row = (label: string, m: ScaleResult['small']) =>
      `| ${label} | ${Math.round(median(m.runs.map((r) => r.requestsPerSecond)))} | ${ms(median(m.runs.map((r) => r.p50Ms)))} | ${ms(median(m.runs.map((r) => r.p99Ms)))} |`;
    parts.push(
      [
        'Cold lookups (both cache tiers off; each request a PostgreSQL lookup of a random key from a sample of 2,000):',
        '',
        '| keys in PostgreSQL | req/s | p50 ms | p99 ms |',
        '|---|---|---|---|',
        row('1,000', s.small),
        row(s.largeCount.toLocaleString('en'), s.large),
        '',
        `Memory: ${s.distinctKeys.toLocaleString('en')} distinct valid keys through one process, each a first sight found in the shared tier (in-process tier bounded at ${s.localMaxEntries.toLocaleString('en')} entries): ` +
          `RSS ${s.rssAfterWarmUpMb} MB after warm-up, ${s.rssAfterDistinctMb} MB after (highest while they passed: ${s.rssPeakDuringMb} MB).`,
      ].join('\n'),
    );
  }
  return parts.join('\n\n');
}

/** A horizontal bar chart of the ratios, with the 1.0 line. */
function chart(results: ScenarioResult[]): string {
  const rowHeight = 26;
  const labelWidth = 470;
  const barWidth = 360;
  const max = Math.max(1.2, ...results.map((r) => ratioOf(r.result)));
  const height = results.length * rowHeight + 40;
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = results
    .map((r, i) => {
      const ratio = ratioOf(r.result);
      const y = 20 + i * rowHeight;
      const width = (ratio / max) * barWidth;
      return (
        `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escape(r.name)} / ${escape(r.baseline)}</text>` +
        `<rect x="${labelWidth}" y="${y + 4}" width="${width.toFixed(1)}" height="${rowHeight - 8}" fill="#3b6ea5"/>` +
        `<text x="${(labelWidth + width + 6).toFixed(1)}" y="${y + 16}">${ratio.toFixed(2)}</text>`
      );
    })
    .join('\n');
  const one = labelWidth + barWidth / max;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 60}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${bars}
<line x1="${one.toFixed(1)}" y1="10" x2="${one.toFixed(1)}" y2="${height - 10}" stroke="#999" stroke-dasharray="4 3"/>
<text x="${one.toFixed(1)}" y="${height - 2}" text-anchor="middle" fill="#666">1.0 = baseline</text>
</svg>
`;
}

export function writeReport(report: Report): void {
  const { backends } = report;
  const context =
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
    `Node ${process.version}; wrk, 1 thread, ${CONNECTIONS} connections (gRPC: ${CONNECTIONS} calls in flight on one channel), ` +
    `${RUNS} runs of ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, each right after a run of its baseline; ` +
    `database ${backends.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, cache ${backends.redisUrl ? 'Redis' : 'in-process'}; ` +
    `Portcullis with NODE_ENV=production and every decision logged (DECISION_LOG=all). The whole run took ${Math.round(report.seconds)} s.`;
  const body = [
    context,
    '',
    throughputTable(report.results),
    '',
    '![Ratios to baselines](bench/ratios.svg)',
    '',
    extraTables(report),
    '',
    'Targets:',
    '',
    targets(report),
  ].join('\n');
  console.log(`\n${body}\n`);
  const docs = join(process.cwd(), 'docs');
  mkdirSync(join(docs, 'bench'), { recursive: true });
  writeFileSync(join(docs, 'bench', 'ratios.svg'), chart(report.results));
  const doc = join(docs, 'benchmarks.md');
  let current = '';
  try {
    current = readFileSync(doc, 'utf8');
  } catch {
    /* first run */
  }
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const block = `${start}\n${body}\n${end}`;
  writeFileSync(
    doc,
    current.includes(start) && current.includes(end)
      ? current.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
      : `# Benchmarks\n\n${block}\n`,
  );
  console.log(`Wrote ${doc} and docs/bench/ratios.svg`);
}
