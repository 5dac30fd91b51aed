import { spawn, spawnSync } from 'node:child_process';

export interface LoadResult {
  requestsPerSecond: number;
  /** Responses received in the run. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses other than the expected status, and socket errors. */
  unexpected: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
  expectStatus: number;
  /**
   * A file of bearer keys, one per line: each request takes the next one (wrapping around), so
   * a run sends many distinct keys. Without it, every request carries `headers` alone.
   */
  keysFile?: string;
}

/** True when wrk is installed (`npm run bench` installs it with apt-get when it can). */
export function ensureWrk(): boolean {
  if (spawnSync('wrk', ['--version']).error === undefined) return true;
  console.log('wrk is missing: installing it (apt-get install -y wrk) ...');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
  return install.status === 0;
}

// wrk reports latency percentiles with --latency; a Lua hook counts statuses other than expected,
// and, given a keys file, a request hook sends its keys in turn.
const STATUS_SCRIPT = (expected: number, keysFile?: string) => `
${keysFile === undefined ? '' : KEYS_SCRIPT(keysFile)}
local unexpected = 0
response = function(status, headers, body)
  if status ~= ${expected} then unexpected = unexpected + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("UNEXPECTED %d\\n", unexpected + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;

const KEYS_SCRIPT = (keysFile: string) => `
local keys = {}
for line in io.lines("${keysFile}") do keys[#keys + 1] = line end
local next_key = 0
request = function()
  next_key = next_key % #keys + 1
  return wrk.format(nil, nil, { Authorization = "Bearer " .. keys[next_key] })
end
`;

/** Runs wrk (one thread: the other core belongs to the server) and parses its report. */
export async function runLoad(options: LoadOptions, scriptPath: string): Promise<LoadResult> {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(scriptPath, STATUS_SCRIPT(options.expectStatus, options.keysFile));
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    '-s',
    scriptPath,
    ...Object.entries(options.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    options.url,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
  const number = (pattern: RegExp) => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`Could not read wrk output:\n${output}`);
    return match;
  };
  const toMs = (value: string, unit: string) =>
    Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);
  const p50 = number(/50%\s+([\d.]+)(us|ms|s|m)/);
  const p99 = number(/99%\s+([\d.]+)(us|ms|s|m)/);
  return {
    requestsPerSecond: Number(number(/Requests\/sec:\s+([\d.]+)/)[1]),
    requests: Number(number(/(\d+) requests in/)[1]),
    p50Ms: toMs(p50[1]!, p50[2]!),
    p99Ms: toMs(p99[1]!, p99[2]!),
    unexpected: Number(number(/UNEXPECTED (\d+)/)[1]),
  };
}
