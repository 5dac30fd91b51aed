import type { Rate } from './rate.js';

/** A request rate limit on something (a key, a group, an introspection caller). */
export interface Quota {
  /** What is limited, unique across kinds: `key:<id>`, `group:<name>`, `introspect:<caller>`. */
  subject: string;
  rate: Rate;
}
