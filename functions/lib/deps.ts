// Composition root of every Lambda: settings are read and clients created once per container.
// Outside services are created on first use, so a function that never sends mail never needs the
// mail settings, and a missing setting fails the delivery that needs it (recorded in the outbox
// and retried), not every request.
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { EventBridgeBus } from '../../shared/adapters/aws/eventbridge-bus.ts';
import { sesMailerFromEnv } from '../../shared/adapters/aws/ses-mailer.ts';
import { sfnWorkflowFromEnv } from '../../shared/adapters/aws/sfn-workflow.ts';
import { HttpWebhookSender } from '../../shared/adapters/http/webhook-sender.ts';
import { HttpVoicePlatform } from '../../shared/adapters/http/voice-platform.ts';
import { serviceClock } from '../../shared/app/clock.ts';
import { envOr, requireEnv } from '../../shared/config.ts';
import type { Services, UseCaseDeps } from '../../shared/app/context.ts';
import type { EventBus, Mailer, VoicePlatform } from '../../shared/app/ports.ts';

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
  mailer: { send: (email) => (mailer ??= sesMailerFromEnv(process.env)).send(email) },
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
    operatorEmail: process.env.PORTDESK_OPERATOR_EMAIL || null,
    publicBaseUrl: envOr('PUBLIC_BASE_URL', 'http://127.0.0.1:3000'),
    allowHttpWebhooks: process.env.PORTDESK_ALLOW_HTTP_WEBHOOKS === '1',
  },
};

export const deps: UseCaseDeps = {
  repository: new DynamoRepository(client, tableName),
  webhookStore: new DynamoWebhookStore(client, tableName),
  clock: serviceClock,
  services,
};

/** The DynamoDB client, exposed so benchmarks and tests can count requests per operation. */
export const dynamoClient = client;
