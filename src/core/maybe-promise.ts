/**
 * A value now, or later. The decision path answers synchronously whenever everything it needs is
 * in memory (the usual case), so no promise is made, awaited and resolved for it.
 */
export type MaybePromise<T> = T | Promise<T>;

/** True for a promise (or any thenable, whichever realm made it), false for a plain value. */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
