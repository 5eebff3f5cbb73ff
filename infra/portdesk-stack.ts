// The PortDesk stack: composes the constructs by concern (data, messaging, the order workflow, the
// HTTP API, the email intake, the schedules) and publishes what clients and operators need.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PortDeskData } from './constructs/data.ts';
import { PortDeskEmailIntake } from './constructs/email-intake.ts';
import { PortDeskHttpApi } from './constructs/http-api.ts';
import { PortDeskMessaging } from './constructs/messaging.ts';
import { PortDeskWorkflow } from './constructs/workflow.ts';
import { PortDeskSchedules } from './constructs/schedules.ts';

export class PortDeskStack extends Stack {
  readonly data: PortDeskData;
  readonly messaging: PortDeskMessaging;
  readonly workflow: PortDeskWorkflow;
  readonly httpApi: PortDeskHttpApi;
  readonly emailIntake: PortDeskEmailIntake;
  readonly schedules: PortDeskSchedules;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // Settings from CDK context (`-c key=value` or cdk.json); the defaults let `cdk synth` and the
    // tests run without any.
    const setting = (key: string, fallback: string): string => {
      const value: unknown = this.node.tryGetContext(key);
      return typeof value === 'string' && value !== '' ? value : fallback;
    };

    this.data = new PortDeskData(this, 'Data');
    // Named, not generated: functions that start executions get its ARN built from the name, so the
    // workflow's own steps (which deliver outbox messages too) create no dependency cycle.
    const stateMachineName = `${this.stackName}-order-lifecycle`;
    this.messaging = new PortDeskMessaging(this, 'Messaging', {
      emailDomain: setting('emailDomain', 'portdesk.example.com'),
      operatorEmail: setting('operatorEmail', ''),
      publicBaseUrl: setting('publicBaseUrl', 'https://portdesk.example.com'),
      stateMachineName,
    });
    this.workflow = new PortDeskWorkflow(this, 'Workflow', {
      table: this.data.table,
      stateMachineName,
      outbox: this.messaging,
      voicePlatformUrl: setting('voicePlatformUrl', 'https://voice.example.com/api'),
    });
    // The porting mailbox: SES stores what it receives in S3 and hands it to the intake function,
    // which delivers its outbox like any writer (messaging's grant, given inside the construct).
    this.emailIntake = new PortDeskEmailIntake(this, 'EmailIntake', {
      table: this.data.table,
      messaging: this.messaging,
      intakeAddress: setting('intakeAddress', this.messaging.senderAddress),
    });
    this.httpApi = new PortDeskHttpApi(this, 'HttpApi', {
      table: this.data.table,
      // Every route that writes an order delivers its outbox at once (emails, bus events, workflow signals).
      grantWriter: (fn) => this.messaging.grantOutbox(fn),
      // Order documents live in the intake's bucket, under documents/.
      grantFiles: (fn, access) => this.emailIntake.grantDocuments(fn, access),
    });
    // The routes that show a received message link to its raw message and attachments (presigned
    // with their own role); the list shows neither. The apply route writes orders, so it already
    // delivers the outbox through grantWriter.
    for (const id of ['getInboundEmail', 'applyInboundEmail', 'dismissInboundEmail']) {
      const fn = this.httpApi.routeFunctions.get(id);
      if (fn) this.emailIntake.grantDownloads(fn);
    }

    this.schedules = new PortDeskSchedules(this, 'Schedules', { table: this.data.table, messaging: this.messaging });
    // Emails to carriers attach the signed LOA and bill copies, read when the email is sent: by the
    // submission step, and by the dispatcher when it retries.
    const attaches = 'Carrier emails attach order documents (documents/<order id>/<document id>, ids made per document), read when sent: s3:GetObject on that prefix only.';
    this.emailIntake.grantDocuments(this.workflow.functions.submitToCarrier, 'read', attaches);
    this.emailIntake.grantDocuments(this.schedules.outboxDispatch, 'read', attaches);

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url, description: 'Base URL of the PortDesk HTTP API' });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName, description: 'The single DynamoDB table' });
    // The DNS records that verify the sending domain (SES Easy DKIM): publish these three CNAMEs.
    const identity = this.messaging.identity;
    [
      [identity.dkimDnsTokenName1, identity.dkimDnsTokenValue1],
      [identity.dkimDnsTokenName2, identity.dkimDnsTokenValue2],
      [identity.dkimDnsTokenName3, identity.dkimDnsTokenValue3],
    ].forEach(([name, value], i) => new CfnOutput(this, `SenderDkimRecord${i + 1}`, { value: `${name} CNAME ${value}`, description: `DKIM record ${i + 1} of the sending domain` }));
    new CfnOutput(this, 'ReceiptRuleSetName', {
      value: this.emailIntake.receiptRuleSetName,
      // A literal: CloudFormation takes no intrinsic function in an output's description.
      description: 'SES receipt rule set of the porting mailbox. Activate it once per account and region (one active set each): aws ses set-active-receipt-rule-set --rule-set-name <this value>',
    });
    new CfnOutput(this, 'RawMailBucket', { value: this.emailIntake.bucket.bucketName, description: 'Raw received mail (inbound/) and order documents (documents/)' });
    new CfnOutput(this, 'IntakeFailureQueueUrl', {
      value: this.emailIntake.failureQueue.queueUrl,
      description: 'SES events whose intake invocations failed after retries (the raw message is in RawMailBucket)',
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachineArn, description: 'The order lifecycle workflow' });
  }
}
