// A clock that moves only when a test moves it.
import type { Clock } from '../../lambdas/chat/ports.js';

export const DEFAULT_START = Date.UTC(2025, 0, 15, 9, 30, 0, 0);

export class ManualClock implements Clock {
  constructor(private current: number = DEFAULT_START) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }
}
