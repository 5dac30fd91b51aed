// What the soak run knows of the state it changes, and what each answer should have been at the
// moment it was asked. A change takes effect somewhere between the admin request's start and its
// answer, and reaches every instance within the propagation bound (docs/scaling.md: under a
// second): in that window either answer is right. Outside it, exactly one is.

/** How long after an admin change's answer every instance must reflect it. */
export const PROPAGATION_MS = 1000;

/** When a change was made: from its request's start to its answer (Infinity until answered). */
export interface ChangeWindow {
  from: number;
  to: number;
}

export type Expectation = 'allow' | 'deny' | 'either';

/** A history of one yes/no fact (a key revoked, a user disabled, a path public). */
export class Fact {
  private readonly changes: { window: ChangeWindow; value: boolean }[] = [];

  constructor(private readonly initial: boolean) {}

  /**
   * A change about to be asked for, at `from`: from now on answers may show either value. Call
   * the returned function with the time the change was answered; never called (the change failed
   * or is still in flight): the fact stays in flux.
   */
  begin(value: boolean, from = Date.now()): (answeredAt?: number) => void {
    const window = { from, to: Infinity };
    this.changes.push({ window, value });
    return (answeredAt = Date.now()) => {
      window.to = answeredAt;
    };
  }

  get current(): boolean {
    return this.changes.at(-1)?.value ?? this.initial;
  }

  /** The fact's value for a request made between `sent` and `answered`; undefined: in flux. */
  at(sent: number, answered: number): boolean | undefined {
    let value = this.initial;
    for (const { window, value: next } of this.changes) {
      if (window.from > answered) break;
      // The change may or may not have been seen by a request overlapping its window.
      if (sent <= window.to + PROPAGATION_MS && next !== value) return undefined;
      value = next;
    }
    return value;
  }
}

/** Combines the facts a decision depends on: all must hold for an allow. */
export function expectAllowedWhen(facts: (boolean | undefined)[]): Expectation {
  if (facts.some((fact) => fact === false)) return 'deny';
  if (facts.some((fact) => fact === undefined)) return 'either';
  return 'allow';
}

/** Whether an answer contradicts what was expected. */
export function contradicts(expected: Expectation, allowed: boolean): boolean {
  return expected !== 'either' && (expected === 'allow') !== allowed;
}
