/** The time source of everything that asks for "now": injectable, so tests control it. */
export interface Clock {
  nowMs(): number;
}

/** The real time. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that always answers `atMs` (e.g. `serve --at`, or a test). */
export function fixedClock(atMs: number): Clock {
  return { nowMs: () => atMs };
}
