// Composition root of every Lambda: settings are read and clients created once per container.
// Outside services are created on first use, so a function that never sends mail never needs the
// mail settings, and a missing setting fails the delivery that needs it (recorded in the outbox
// and retried), not every request.
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { DynamoInboundEmailStore } from '../../shared/adapters/dynamo/inbound-email-store.ts';
import { DynamoDocumentStore } from '../../shared/adapters/dynamo/document-store.ts';
import { s3BlobStoreFromEnv } from '../../shared/adapters/aws/s3-blob-store.ts';
import { EventBridgeBus } from '../../shared/adapters/aws/eventbridge-bus.ts';
import { sesMailerFromEnv } from '../../shared/adapters/aws/ses-mailer.ts';
import { sfnWorkflowFromEnv } from '../../shared/adapters/aws/sfn-workflow.ts';
import { HttpWebhookSender } from '../../shared/adapters/http/webhook-sender.ts';
import { HttpVoicePlatform } from '../../shared/adapters/http/voice-platform.ts';
import { serviceClock } from '../../shared/app/clock.ts';
import { envOr, requireEnv } from '../../shared/config.ts';
import type { IntakeDeps, IntakeSettings, Services, UseCaseDeps } from '../../shared/app/context.ts';
import type { BlobStore, EventBus, Mailer, VoicePlatform } from '../../shared/app/ports.ts';

const client = createDocumentClient({
  // Set only locally (DynamoDB Local); in AWS the SDK finds the regional endpoint itself.
  endpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  region: process.env.AWS_REGION || undefined,
});
const tableName = requireEnv('TABLE_NAME');

let mailer: Mailer | undefined;
let bus: EventBus | undefined;
let voice: VoicePlatform | undefined;

const services: Services = {
  // STATE_MACHINE_ARN unset (API-only tests): no workflow; orders stay where the API leaves them.
  workflow: sfnWorkflowFromEnv(process.env),
  mailer: { send: (email) => (mailer ??= sesMailerFromEnv(process.env, blobs)).send(email) },
  bus: {
    publish: (events) =>
      (bus ??= new EventBridgeBus({
        eventBusName: requireEnv('EVENT_BUS_NAME'),
        endpoint: process.env.EVENTBRIDGE_ENDPOINT || undefined,
        region: process.env.AWS_REGION || undefined,
      })).publish(events),
  },
  webhooks: new HttpWebhookSender({ allowPrivateAddresses: process.env.PORTDESK_ALLOW_PRIVATE_WEBHOOKS === '1' }),
  voice: {
    placeTestCall: (e164) =>
      (voice ??= new HttpVoicePlatform({ baseUrl: requireEnv('VOICE_PLATFORM_URL'), authorization: process.env.VOICE_PLATFORM_TOKEN || undefined })).placeTestCall(e164),
  },
  settings: {
    providerName: envOr('PORTDESK_PROVIDER_NAME', 'PortDesk'),
    operatorEmail: process.env.PORTDESK_OPERATOR_EMAIL || null,
    publicBaseUrl: envOr('PUBLIC_BASE_URL', 'http://127.0.0.1:3000'),
    allowHttpWebhooks: process.env.PORTDESK_ALLOW_HTTP_WEBHOOKS === '1',
  },
};

// Created on first use: only functions that read or write files need the bucket (RAW_MAIL_BUCKET;
// locally S3_ENDPOINT, or BLOB_ENDPOINT, points at the S3 stand-in).
let blobStore: BlobStore | undefined;
const blobStoreNow = (): BlobStore =>
  (blobStore ??= s3BlobStoreFromEnv({ ...process.env, S3_ENDPOINT: process.env.S3_ENDPOINT || process.env.BLOB_ENDPOINT || undefined }));
const blobs: BlobStore = {
  put: (key, body, contentType) => blobStoreNow().put(key, body, contentType),
  get: (key) => blobStoreNow().get(key),
  downloadUrl: (key, expiresInSeconds) => blobStoreNow().downloadUrl(key, expiresInSeconds),
};

export const deps: UseCaseDeps = {
  repository: new DynamoRepository(client, tableName),
  webhookStore: new DynamoWebhookStore(client, tableName),
  documents: new DynamoDocumentStore(client, tableName),
  blobs,
  clock: serviceClock,
  services,
};

/** The DynamoDB client, exposed so benchmarks and tests can count requests per operation. */
export const dynamoClient = client;

// ---- email intake and the operator's inbound-email routes -----------------------------------------

/** A whole number setting (optional, with its documented default); anything else fails fast with its name. */
function positiveIntOr(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`Setting ${name} must be a whole number above 0, not ${JSON.stringify(raw)}`);
  return value;
}

const intakeSettings: IntakeSettings = {
  address: envOr('PORTDESK_INTAKE_ADDRESS', 'porting@portdesk.local'),
  // Set by CDK (infra/constructs/email-intake.ts, 25 MB); SES accepts up to 40 MB. Above it a message
  // is kept unread (quarantined `oversized`).
  maxMessageBytes: positiveIntOr('MAX_MESSAGE_BYTES', 25 * 1024 * 1024),
  // Lambda's asynchronous invocation tries a message 3 times (1 + INTAKE_RETRY_ATTEMPTS 2): the 3rd failure quarantines it.
  maxAttempts: positiveIntOr('PORTDESK_INTAKE_MAX_ATTEMPTS', 3),
};

/**
 * Everything the email intake needs but its MIME parser, which only the intake function creates
 * (functions/email/intake.ts): mailparser stays out of the API bundles.
 */
export const inboxDeps: Omit<IntakeDeps, 'mime'> = {
  ...deps,
  inboundEmails: new DynamoInboundEmailStore(client, tableName),
  intake: intakeSettings,
};
