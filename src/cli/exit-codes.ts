/** The CLI's exit codes: stable, documented in `portcullis --help` and docs/cli.md. */
export const EXIT = {
  /** Done (for `decide`: allowed). */
  ok: 0,
  /** Failed: Portcullis unreachable, a server error (5xx), or anything unforeseen. */
  failed: 1,
  /** Bad usage: unknown command or option, a missing argument, an invalid configuration file. */
  usage: 2,
  /** Refused by the server (4xx): bad admin key, not an admin, invalid input, not found, conflict. */
  refused: 3,
  /** `decide`: the request would be denied (401 or 403). */
  denied: 4,
  /** `apply --check`: the service differs from the file. */
  drift: 5,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  done (decide: allowed)
  1  failed: Portcullis unreachable, a server error, or cannot decide (503)
  2  bad usage, or an invalid configuration file
  3  refused by the server (4xx): bad admin key, invalid input, not found, conflict
  4  decide: the request would be denied
  5  apply --check: the service differs from the file`;
