// The one clock every use case reads. In AWS it is the system clock; the local runtime may freeze
// it (POST /_local/clock) for demos and tests. Nothing else calls `new Date()` for "now".
export interface Clock {
  now(): Date;
}

let frozenAt: Date | null = null;

export const serviceClock: Clock = {
  now: () => (frozenAt ? new Date(frozenAt.getTime()) : new Date()),
};

/** Local runtime only: freeze the service clock at an instant, or return to real time with null. */
export function freezeServiceClock(at: Date | null): void {
  frozenAt = at ? new Date(at.getTime()) : null;
}

export function isServiceClockFrozen(): boolean {
  return frozenAt !== null;
}
