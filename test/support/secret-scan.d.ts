// Types for secret-scan.js (plain JavaScript, which the global teardown loads).

/** The shapes a secret can take in a log line or an error body. */
export function encodedForms(secret: string): string[];

/** Returns the secret (or key) that text holds in any of its shapes, or undefined. */
export function leakFinder(secrets: Iterable<string>): (text: string) => string | undefined;

/** Whether the run is the whole suite, the only kind the floor applies to. */
export function floorApplies(globalConfig: unknown): boolean;

export const FULL_RUN_FLOOR: { lines: number; secrets: number };

export interface ScanResult {
  scanned: number;
  secrets: number;
  services: number;
  leaks: string[];
  problems: string[];
}

/** Scans a .test-output folder; see secret-scan.js. */
export function scanOutput(
  output: string,
  options: { serverSecret: string | undefined; fullRun: boolean },
): ScanResult;
