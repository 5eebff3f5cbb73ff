// Time in PortDesk: EventBridge schedules drive the deadline check (every 15 minutes) and the
// outbox dispatcher (every minute). Each function runs one at a time (reserved concurrency 1), so
// a slow run never overlaps the next one.
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { PortDeskFunction } from './lambda-function.ts';
import type { PortDeskMessaging } from './messaging.ts';

export const DEADLINE_CHECK_RATE = Duration.minutes(15);
/** Handler modules of the scheduled functions (also bundled by the bundle benchmark). */
export const SCHEDULED_HANDLERS = ['schedule/deadline-check', 'schedule/outbox-dispatch'] as const;
export const OUTBOX_DISPATCH_RATE = Duration.minutes(1);

export interface PortDeskSchedulesProps {
  table: ITable;
  messaging: PortDeskMessaging;
}

export class PortDeskSchedules extends Construct {
  readonly deadlineCheck: PortDeskFunction;
  readonly outboxDispatch: PortDeskFunction;

  constructor(scope: Construct, id: string, props: PortDeskSchedulesProps) {
    super(scope, id);
    this.deadlineCheck = new PortDeskFunction(this, 'DeadlineCheck', {
      handlerModule: SCHEDULED_HANDLERS[0],
      description: 'Acts on due deadlines: overdue, transfer-date confirmation, compensation, withdrawals, expiries, termination warnings',
      // Work grows with due items only; 5 minutes leaves ample room inside the 15-minute period.
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 1,
    }).useTable(props.table, 'read-write');
    props.messaging.grantOutbox(this.deadlineCheck);

    this.outboxDispatch = new PortDeskFunction(this, 'OutboxDispatch', {
      handlerModule: SCHEDULED_HANDLERS[1],
      description: 'Retries undelivered emails, bus events, webhooks and workflow signals with backoff',
      timeout: Duration.seconds(55),
      reservedConcurrentExecutions: 1,
    }).useTable(props.table, 'read-write');
    props.messaging.grantOutbox(this.outboxDispatch);

    new Rule(this, 'DeadlineCheckSchedule', {
      description: 'PortDesk deadline check',
      schedule: Schedule.rate(DEADLINE_CHECK_RATE),
      targets: [new LambdaFunction(this.deadlineCheck, { retryAttempts: 2 })],
    });
    new Rule(this, 'OutboxDispatchSchedule', {
      description: 'PortDesk outbox dispatcher',
      schedule: Schedule.rate(OUTBOX_DISPATCH_RATE),
      targets: [new LambdaFunction(this.outboxDispatch, { retryAttempts: 0 })],
    });
  }
}
