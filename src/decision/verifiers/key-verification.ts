import type { KeyCheck } from '../../keys/api-key-authenticator.js';
import { isPromise, type MaybePromise } from '../../core/maybe-promise.js';
import type { Verification } from '../../core/credential-verifier.js';

/** A key check as a verifier's answer, synchronous when the check was. */
export function keyVerification(check: MaybePromise<KeyCheck>): MaybePromise<Verification> {
  return isPromise(check) ? check.then(fromKeyCheck) : fromKeyCheck(check);
}

function fromKeyCheck(check: KeyCheck): Verification {
  return check.ok
    ? { outcome: 'identified', identity: check.identity }
    : { outcome: 'refused', reason: check.reason };
}
