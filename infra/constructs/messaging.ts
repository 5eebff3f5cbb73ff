// Everything PortDesk sends: the outbox delivers emails through SES, publishes versioned domain
// events on an EventBridge bus, and starts/resumes the lifecycle workflow. Every function that
// writes an order delivers its outbox at once, so each gets the same, narrow set of rights here.
import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { PortDeskFunction } from './lambda-function.ts';
import { grantWorkflowSignals } from './workflow.ts';

export interface PortDeskMessagingProps {
  /** The domain PortDesk sends from (SES identity; DKIM records to publish are in the stack outputs). */
  emailDomain: string;
  /** Local part of the From address. */
  senderLocalPart?: string;
  /** Where operator emails go (overdue orders, workflow exceptions); empty: none are sent. */
  operatorEmail?: string;
  /** Base URL of the API as customers reach it (links in emails). */
  publicBaseUrl: string;
  /** Name of the lifecycle state machine (known before it exists: functions it calls also run inside it). */
  stateMachineName: string;
}

export class PortDeskMessaging extends Construct {
  readonly bus: EventBus;
  readonly identity: EmailIdentity;
  readonly senderAddress: string;
  readonly stateMachineArn: string;
  private readonly props: PortDeskMessagingProps;

  constructor(scope: Construct, id: string, props: PortDeskMessagingProps) {
    super(scope, id);
    this.props = props;
    const stack = Stack.of(this);

    this.bus = new EventBus(this, 'Bus', { eventBusName: `${stack.stackName}-events`, description: 'PortDesk domain events (PortIn.StatusChanged v1, ...)' });
    // A month of events can be replayed to a new consumer or after a consumer's outage.
    new Archive(this, 'BusArchive', {
      sourceEventBus: this.bus,
      eventPattern: { source: ['portdesk'] },
      retention: Duration.days(30),
      description: 'Replayable history of PortDesk events',
    });

    this.identity = new EmailIdentity(this, 'SenderIdentity', { identity: Identity.domain(props.emailDomain) });
    this.senderAddress = `${props.senderLocalPart ?? 'porting'}@${props.emailDomain}`;
    // Built from the name, not the state machine's token: the workflow's own steps deliver outbox
    // messages too, and a token here would make the machine and its functions depend on each other.
    this.stateMachineArn = Arn.format(
      { service: 'states', resource: 'stateMachine', resourceName: props.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
      stack,
    );
  }

  /** Rights and settings to deliver outbox messages: send from our identity, publish on our bus, start and resume our workflow. */
  grantOutbox(fn: PortDeskFunction): void {
    const stack = Stack.of(this);
    const identityArn = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: this.props.emailDomain });
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ses:SendEmail'], resources: [identityArn] }));
    this.bus.grantPutEventsTo(fn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachineArn] }));
    // Resuming a waiting step is an outbox message too (and the waiting step may resume itself).
    grantWorkflowSignals(fn);
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
    fn.addEnvironment('MAIL_FROM', this.senderAddress);
    fn.addEnvironment('PUBLIC_BASE_URL', this.props.publicBaseUrl);
    fn.addEnvironment('STATE_MACHINE_ARN', this.stateMachineArn);
    if (this.props.operatorEmail) fn.addEnvironment('PORTDESK_OPERATOR_EMAIL', this.props.operatorEmail);
  }
}
