// The local stand-in for the EventBridge schedules: it invokes the same scheduled handlers with
// the same event shape, at the local service clock's "now" (so POST /_local/clock moves time for
// the check too). Runs never overlap, like the reserved concurrency of 1 in AWS; POST
// /_local/scheduler/run runs the deadline check (then the outbox dispatcher) on demand.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/app/clock.ts';

export interface ScheduledHandler<R = unknown> {
  (event: ScheduledEventShape): Promise<R>;
}

/** The parts of an EventBridge "Scheduled Event" our handlers read (and the rest, for fidelity). */
export interface ScheduledEventShape {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

export function scheduledEvent(now: Date, rule: string, region: string): ScheduledEventShape {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    // EventBridge sends whole seconds.
    time: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${rule}`],
    detail: {},
  };
}

export interface LocalSchedulerOptions {
  clock: Clock;
  region: string;
  deadlineCheck: ScheduledHandler;
  outboxDispatch: ScheduledHandler;
  /** Default 60 s (AWS: 15 minutes; locally a minute keeps demos lively). 0 disables the timer. */
  deadlineCheckEveryMs?: number;
  /** Default 10 s (AWS: every minute). 0 disables the timer. */
  outboxDispatchEveryMs?: number;
  logError?: (message: string) => void;
}

export interface LocalScheduler {
  /** Runs the deadline check now, then the outbox dispatcher; resolves with both reports. */
  runNow(): Promise<{ deadlineCheck: unknown; outboxDispatch: unknown }>;
  /** Runs the outbox dispatcher now. */
  dispatchNow(): Promise<unknown>;
  stop(): Promise<void>;
}

export function startLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const logError = options.logError ?? ((message: string) => process.stderr.write(`${message}\n`));
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  // Every run goes through one queue: no two runs overlap, and on-demand runs wait their turn.
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const result = chain.then(run, run);
    chain = result.catch(() => undefined);
    return result;
  };
  const deadlineCheck = () => serial(() => options.deadlineCheck(scheduledEvent(options.clock.now(), 'deadline-check', options.region)));
  const outboxDispatch = () => serial(() => options.outboxDispatch(scheduledEvent(options.clock.now(), 'outbox-dispatch', options.region)));

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, name: string, run: () => Promise<unknown>) => {
    if (ms <= 0) return;
    const timer = setInterval(() => {
      if (stopped) return;
      run().catch((error: unknown) => logError(`[scheduler] ${name} failed: ${error instanceof Error ? error.message : String(error)}`));
    }, ms);
    timer.unref();
    timers.push(timer);
  };
  every(options.deadlineCheckEveryMs ?? 60_000, 'deadline check', deadlineCheck);
  every(options.outboxDispatchEveryMs ?? 10_000, 'outbox dispatch', outboxDispatch);

  return {
    async runNow() {
      const deadlineReport = await deadlineCheck();
      const outboxReport = await outboxDispatch();
      return { deadlineCheck: deadlineReport, outboxDispatch: outboxReport };
    },
    dispatchNow: outboxDispatch,
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await chain;
    },
  };
}
