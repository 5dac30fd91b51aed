// The secret scan that the global teardown runs over .test-output, as plain JavaScript (Jest loads
// the teardown outside its ESM module mapping). Pure functions, so that a unit spec can show what
// the scan catches (test/unit/secret-scan.spec.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Shorter values are not secrets the suite makes (see MIN_SECRET_LENGTH in secret-ledger.ts). */
const MIN_NEEDLE_LENGTH = 12;
const KEY_SHAPE = /pcl_[0-9A-Za-z]{44}/;

/**
 * What a full run must at least have scanned. A full run reads several thousand log lines and
 * error bodies against several hundred secrets; the floor sits well below, so that only a scan
 * that found (almost) nothing to read fails: no log landed in .test-output (the error bodies
 * alone are a few hundred), or no helper fed the ledger. See `floorApplies`.
 */
export const FULL_RUN_FLOOR = { lines: 1000, secrets: 100 };

/**
 * The shapes a secret can take in a log line or an error body: as it is (also inside a longer
 * string: a URL path, a header value); in base64 and base64url at each of the three alignments it
 * can have inside a longer encoded value (a `user:key` Basic header puts it after the user); and
 * percent-encoded (upper and lower case) and JSON-escaped, where that differs.
 *
 * A secret of n bytes encoded after k other bytes fixes the base64 characters whose six bits all
 * come from it: from ceil(8k/6) to floor(8(k+n)/6). Those characters appear whatever comes before
 * and after it.
 */
export function encodedForms(secret) {
  const forms = new Set([secret]);
  const bytes = Buffer.from(secret, 'utf8');
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  const percent = encodeURIComponent(secret);
  forms.add(percent);
  forms.add(percent.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  forms.add(JSON.stringify(secret).slice(1, -1));
  return [...forms].filter((form) => form.length >= MIN_NEEDLE_LENGTH);
}

/**
 * A matcher for many secrets at once: `find(text)` returns the secret one of whose forms occurs
 * anywhere in text, or a full Portcullis key shape (`pcl_` and 44 characters: no key may appear,
 * whether the suite noted it or not), or undefined.
 *
 * Every form is filed under its first 12 characters; a text is read in runs of the characters the
 * forms are made of (a form can only occur inside one), and each position of a run is looked up.
 * Linear in the text, whatever the number of secrets.
 */
export function leakFinder(secrets) {
  const byPrefix = new Map();
  const alphabet = new Set();
  for (const secret of secrets) {
    for (const form of encodedForms(secret)) {
      const prefix = form.slice(0, MIN_NEEDLE_LENGTH);
      const filed = byPrefix.get(prefix) ?? [];
      filed.push({ form, secret });
      byPrefix.set(prefix, filed);
      for (const char of form) alphabet.add(char);
    }
  }
  const charClass = [...alphabet]
    .map((char) => `\\u{${char.codePointAt(0).toString(16)}}`)
    .join('');
  // Counted in code points, which may take two UTF-16 units each: a form of 12 units has at least 6.
  const run =
    alphabet.size > 0 ? new RegExp(`[${charClass}]{${MIN_NEEDLE_LENGTH / 2},}`, 'gu') : undefined;
  return (text) => {
    const key = KEY_SHAPE.exec(text);
    if (key) return key[0];
    if (run === undefined) return undefined;
    for (const [stretch] of text.matchAll(run)) {
      for (let at = 0; at + MIN_NEEDLE_LENGTH <= stretch.length; at++) {
        const filed = byPrefix.get(stretch.slice(at, at + MIN_NEEDLE_LENGTH));
        const hit = filed?.find(({ form }) => stretch.startsWith(form, at));
        if (hit) return hit.secret;
      }
    }
    return undefined;
  };
}

/**
 * Whether the run is the whole suite, the only kind the floor applies to (.ci/run runs it so, as
 * does a bare `npm test`). A run narrowed by path, test name, changed files or shard may rightly
 * scan little or nothing: `npm test -- test/unit/x.spec.ts` starts no service and logs nothing,
 * and a file of PostgreSQL-only tests run on the embedded default skips them all. Such a run still
 * checks every line it made, and that every service it started left its log where the scan reads.
 */
export function floorApplies(globalConfig) {
  if (globalConfig === undefined) return true;
  const paths = globalConfig.testPathPatterns;
  const narrowedByPath = Array.isArray(paths)
    ? paths.length > 0
    : (paths?.patterns?.length ?? 0) > 0;
  return !(
    narrowedByPath ||
    globalConfig.testNamePattern ||
    globalConfig.onlyChanged ||
    globalConfig.onlyFailures ||
    globalConfig.findRelatedTests ||
    globalConfig.changedSince ||
    globalConfig.lastCommit ||
    (globalConfig.shard && globalConfig.shard.shardCount > 1)
  );
}

/**
 * Scans a .test-output folder: the log files in logs/ and the error bodies in error-bodies/,
 * against the secrets in secrets/ and the server secret. Returns the leaks (lines holding a
 * secret) and the problems (the scan itself is not to be trusted: a service's log is missing, or
 * a full run scanned less than the floor).
 */
export function scanOutput(output, { serverSecret, fullRun }) {
  const secrets = new Set(linesOf(output, 'secrets'));
  if (serverSecret) secrets.add(serverSecret);
  const find = leakFinder(secrets);
  const leaks = [];
  const problems = [];
  let scanned = 0;
  const scan = (source, line) => {
    scanned++;
    if (find(line) !== undefined) leaks.push(`${source}: ${line.slice(0, 300)}`);
  };
  for (const file of filesOf(output, 'logs')) {
    readFileSync(join(output, 'logs', file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .forEach((line, index) => scan(`${file}:${index + 1}`, line));
  }
  for (const line of linesOf(output, 'error-bodies')) {
    // The request line is the test's own (it may carry a key on purpose): only the body counts.
    const { method, path, status, body } = JSON.parse(line);
    scan(`error body of ${method} ${path.split('?')[0]} (${status})`, body);
  }
  // Every service a test started, in process or as a child process, noted its log file.
  const logs = new Set(linesOf(output, 'services'));
  for (const log of logs) {
    const where = relative(join(output, 'logs'), log);
    if (where.startsWith('..') || where.includes('/')) {
      problems.push(`${log} is not in ${join(output, 'logs')}, where the scan reads`);
    } else if (!existsSync(log) || readFileSync(log, 'utf8').trim() === '') {
      problems.push(`${log} is missing or empty: the service's lines were not scanned`);
    }
  }
  const suiteSecrets = secrets.size - (serverSecret ? 1 : 0);
  if (fullRun && (scanned < FULL_RUN_FLOOR.lines || suiteSecrets < FULL_RUN_FLOOR.secrets)) {
    problems.push(
      `The whole suite ran, yet the scan read ${scanned} lines (floor ${FULL_RUN_FLOOR.lines}) ` +
        `against ${suiteSecrets} secrets (floor ${FULL_RUN_FLOOR.secrets}): the logs or the ` +
        'ledger of secrets did not land in .test-output',
    );
  }
  return { scanned, secrets: suiteSecrets, services: logs.size, leaks, problems };
}

function filesOf(output, folder) {
  const dir = join(output, folder);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')) : [];
}

function linesOf(output, folder) {
  return filesOf(output, folder).flatMap((file) =>
    readFileSync(join(output, folder, file), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
}
