// EventBridge schedule -> the deadline check. "Now" is the scheduled event's time, not the clock:
// a delayed or re-driven invocation acts as of the instant it was scheduled for.
import type { ScheduledEvent } from 'aws-lambda';
import { deps } from '../lib/deps.ts';
import { runDeadlineCheck } from '../../shared/app/use-cases/deadline-check.ts';

export async function handler(event: Pick<ScheduledEvent, 'time'>) {
  const now = new Date(event.time);
  if (Number.isNaN(now.getTime())) throw new Error(`Scheduled event without a valid time: ${JSON.stringify(event.time)}`);
  return runDeadlineCheck(deps, now);
}
