// EventBridge schedule (every minute) -> retry the outbox items whose next attempt is due.
import type { ScheduledEvent } from 'aws-lambda';
import { deps } from '../lib/deps.ts';
import { dispatchDueOutbox } from '../../shared/app/outbox.ts';

export async function handler(event: Pick<ScheduledEvent, 'time'>) {
  const now = new Date(event.time);
  if (Number.isNaN(now.getTime())) throw new Error(`Scheduled event without a valid time: ${JSON.stringify(event.time)}`);
  return dispatchDueOutbox(deps, now);
}
