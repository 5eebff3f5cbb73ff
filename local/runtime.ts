// The whole service on one machine, as `npm start` and the end-to-end tests run it: the same handler
// modules AWS runs, with every AWS service they call replaced by a local stand-in on 127.0.0.1:
//   DynamoDB      DynamoDB Local (started by the caller)
//   Step Functions the state machine CDK synthesizes, run by local/stepfunctions (persisted)
//   EventBridge   PutEvents stand-in (GET /_local/events lists what was published)
//   SES           SendEmail stand-in relaying by SMTP to a mail catcher with a web inbox (MailDev)
//   schedules     local/scheduler.ts (POST /_local/scheduler/run runs the deadline check now)
//   S3            s3rver (raw mail, documents), persisted under the data dir
//   SES inbound   an SMTP server for the porting mailbox: stores each raw message in S3 and invokes
//                 the intake handler with the SES receipt event, as a receipt rule does
//   voice         a stand-in for our voice platform's test-call API (it cannot run here)
// The handlers find them through the same endpoint settings the SDK clients take in AWS.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsStandInServer } from './aws/server.ts';
import type { AwsEndpoint } from './aws/endpoint.ts';
import { createEventBridgeStandIn, type ReceivedEvent } from './aws/eventbridge.ts';
import { createSesEndpoint } from './aws/ses.ts';
import { createLocalStepFunctions, type LocalStepFunctions } from './aws/stepfunctions.ts';
import { createVoicePlatformStandIn, type VoicePlatformStandIn } from './voice-platform.ts';
import { startMailCatcher, type MailCatcher } from './mail-catcher.ts';
import { startLocalScheduler, type LocalScheduler, type ScheduledHandler } from './scheduler.ts';
import { createLocalServer, type LocalServerOptions } from './http-server.ts';
import { json, type LocalRouteHandler } from './local-routes.ts';
import { startLocalS3 } from './s3.ts';
import { DEFAULT_INTAKE_ADDRESS, LAMBDA_ASYNC_RETRY_DELAYS_MS, startSmtpIntake } from './smtp-intake.ts';
import { S3BlobStore } from '../shared/adapters/aws/s3-blob-store.ts';
import type { SESEvent } from 'aws-lambda';

/** One local bucket for raw mail (inbound/) and documents (documents/), as in AWS. */
const MAIL_BUCKET = 'portdesk-mail';

const HOST = '127.0.0.1';

export interface LocalRuntimeOptions {
  /** DynamoDB Local's endpoint and the table (created by the caller). */
  dynamoEndpoint: string;
  tableName: string;
  region: string;
  /** Where workflow executions and caught mail persist. */
  dataDir: string;
  /** API port (0: any free port). */
  port: number;
  /** Web inbox port of the mail catcher (0: any free port). */
  mailWebPort: number;
  /** Port of the AWS stand-ins (default: any free port). */
  awsPort?: number;
  /** SMTP port of the porting mailbox (0: any free port; npm start: SMTP_PORT, default 2525). */
  smtpPort: number;
  /** The porting mailbox address (PORTDESK_INTAKE_ADDRESS). */
  intakeAddress?: string;
  /** Where operator emails go (overdue, exceptions). */
  operatorEmail: string;
  /** Scheduler periods; 0 disables a timer (tests drive it with runNow). */
  deadlineCheckEveryMs?: number;
  outboxDispatchEveryMs?: number;
  /** Scales workflow retry intervals (tests: 0.001). */
  timeScale?: number;
  /** Passed to the API Gateway stand-in (logging, authorizer cache). */
  server?: Omit<LocalServerOptions, 'localRouteHandlers'>;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  apiUrl: string;
  awsEndpoint: string;
  mailInboxUrl: string;
  stateMachineArn: string;
  /** Where carriers and customers send mail locally: `smtp://127.0.0.1:<port>` for `intakeAddress`. */
  smtpPort: number;
  intakeAddress: string;
  s3Endpoint: string;
  /** Resolves when every received message has been handed to the intake (and its retries are settled). */
  intakeIdle(): Promise<void>;
  stepFunctions: LocalStepFunctions;
  scheduler: LocalScheduler;
  mail: MailCatcher;
  voice: VoicePlatformStandIn;
  events(): ReceivedEvent[];
  close(): Promise<void>;
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** The CloudFormation template of the stack, synthesized in-process without bundling (a few seconds). */
async function synthesizeTemplate(): Promise<Record<string, unknown>> {
  const { createPortDeskApp } = await import('../infra/portdesk-app.ts');
  const { app, stack } = createPortDeskApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
}

function stateMachineLogicalId(template: Record<string, unknown>): string {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string }>;
  const ids = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine').map(([id]) => id);
  if (ids.length !== 1) throw new Error(`Expected one state machine in the synthesized stack, found ${ids.length}`);
  return ids[0] as string;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    mkdirSync(options.dataDir, { recursive: true });
    const mail = await startMailCatcher({ smtpPort: 0, webPort: options.mailWebPort, mailDirectory: join(options.dataDir, 'mail') });
    cleanup.push(() => mail.close());
    const ses = createSesEndpoint({ smtp: { port: mail.smtpPort }, region: options.region });
    cleanup.push(() => ses.close());
    const eventBridge = createEventBridgeStandIn({ region: options.region });
    const voice = createVoicePlatformStandIn();
    const s3 = await startLocalS3({ port: 0, dataDir: join(options.dataDir, 's3'), buckets: [MAIL_BUCKET] });
    cleanup.push(() => s3.close());
    const intakeAddress = options.intakeAddress ?? DEFAULT_INTAKE_ADDRESS;

    // One server for every AWS stand-in; Step Functions joins once its machine is known.
    const awsEndpoints: AwsEndpoint[] = [ses, eventBridge, voice];
    const awsServer = createAwsStandInServer(awsEndpoints, (message) => log(message));
    const awsPort = await listenOn(awsServer, options.awsPort ?? 0);
    cleanup.push(() => closeServer(awsServer));
    const awsEndpoint = `http://${HOST}:${awsPort}`;
    const localRoutes: Record<string, LocalRouteHandler> = {};
    const apiServer = createLocalServer({ ...options.server, localRouteHandlers: localRoutes });
    const apiPort = await listenOn(apiServer, options.port);
    cleanup.push(() => closeServer(apiServer));
    const apiUrl = `http://${HOST}:${apiPort}`;

    const template = await synthesizeTemplate();
    const machineId = stateMachineLogicalId(template);
    // Handlers read these at module load: set before the runner (which may resume executions at once) imports any.
    Object.assign(process.env, {
      TABLE_NAME: options.tableName,
      DYNAMODB_ENDPOINT: options.dynamoEndpoint,
      AWS_REGION: options.region,
      AWS_DEFAULT_REGION: options.region,
      // The stand-ins accept any credentials; never let the SDK reach for real ones here.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      SFN_ENDPOINT: awsEndpoint,
      STATE_MACHINE_ARN: `arn:aws:states:${options.region}:000000000000:stateMachine:${machineId}`,
      EVENTBRIDGE_ENDPOINT: awsEndpoint,
      EVENT_BUS_NAME: 'portdesk-local-events',
      SES_ENDPOINT: awsEndpoint,
      MAIL_FROM: 'porting@portdesk.local',
      VOICE_PLATFORM_URL: `${awsEndpoint}/voice`,
      PORTDESK_OPERATOR_EMAIL: options.operatorEmail,
      PUBLIC_BASE_URL: apiUrl,
      PORTDESK_ALLOW_HTTP_WEBHOOKS: '1',
      PORTDESK_ALLOW_PRIVATE_WEBHOOKS: '1',
      S3_ENDPOINT: s3.endpoint,
      RAW_MAIL_BUCKET: MAIL_BUCKET,
      PORTDESK_INTAKE_ADDRESS: intakeAddress,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    const stepFunctions = await createLocalStepFunctions({
      template,
      region: options.region,
      dataDir: join(options.dataDir, 'stepfunctions'),
      timeScale: options.timeScale,
      log: (line) => log(`[states] ${JSON.stringify(line)}`),
    });
    cleanup.push(() => stepFunctions.close());
    const stateMachineArn = stepFunctions.stateMachineArn(machineId);
    if (stateMachineArn !== process.env.STATE_MACHINE_ARN) throw new Error(`Local state machine ARN ${stateMachineArn} is not the expected one`);
    awsEndpoints.unshift(stepFunctions.endpoint);

    const [{ handler: deadlineCheck }, { handler: outboxDispatch }, { serviceClock }, { handler: intake }] = await Promise.all([
      import('../functions/schedule/deadline-check.ts') as Promise<{ handler: ScheduledHandler }>,
      import('../functions/schedule/outbox-dispatch.ts') as Promise<{ handler: ScheduledHandler }>,
      import('../shared/app/clock.ts'),
      import('../functions/email/intake.ts') as Promise<{ handler: (event: SESEvent) => Promise<unknown> }>,
    ]);
    // The porting mailbox: what SES inbound does in AWS (store the raw message, then invoke the intake).
    const smtp = await startSmtpIntake({
      port: options.smtpPort,
      intakeAddress,
      blobs: new S3BlobStore({ bucket: MAIL_BUCKET, endpoint: s3.endpoint, region: options.region }),
      bucket: MAIL_BUCKET,
      deliver: async (event) => {
        await intake(event);
      },
      clock: serviceClock,
      retryDelaysMs: LAMBDA_ASYNC_RETRY_DELAYS_MS.map((ms) => Math.round(ms * (options.timeScale ?? 1))),
      log, // smtp-intake prefixes its own lines with [smtp]
    });
    cleanup.push(() => smtp.close());
    const scheduler = startLocalScheduler({
      clock: serviceClock,
      region: options.region,
      deadlineCheck,
      outboxDispatch,
      deadlineCheckEveryMs: options.deadlineCheckEveryMs,
      outboxDispatchEveryMs: options.outboxDispatchEveryMs,
      logError: (message) => log(message),
    });
    cleanup.push(() => scheduler.stop());

    Object.assign(localRoutes, {
      'POST /_local/scheduler/run': async () => json(200, await scheduler.runNow()),
      // What was sent, for scripts: recipients, subject, plain text and when (the web inbox shows the rest).
      'GET /_local/outbox': async () => json(200, (await mail.list()).map((m) => ({ to: m.to, subject: m.subject, text: m.text, sentAt: m.sentAt }))),
      'GET /_local/events': () => json(200, eventBridge.listEvents()),
    } satisfies Record<string, LocalRouteHandler>);

    return {
      apiUrl,
      awsEndpoint,
      mailInboxUrl: mail.webUrl,
      stateMachineArn,
      smtpPort: smtp.port,
      intakeAddress,
      s3Endpoint: s3.endpoint,
      intakeIdle: () => smtp.idle(),
      stepFunctions,
      scheduler,
      mail,
      voice,
      events: () => eventBridge.listEvents(),
      async close() {
        for (const step of cleanup.reverse()) await step();
      },
    };
  } catch (error) {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
    throw error;
  }
}
