import { Injectable } from '@nestjs/common';

/**
 * Whether this instance is shutting down. From the moment it is, readiness fails, so that load
 * balancers stop sending new work, while requests already on their way are still answered.
 */
@Injectable()
export class ShutdownState {
  private since: number | undefined;

  begin(now = Date.now()): void {
    this.since ??= now;
  }

  get stopping(): boolean {
    return this.since !== undefined;
  }
}
