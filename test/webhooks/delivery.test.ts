// Webhook delivery end to end on real pieces: webhooks in DynamoDB Local, outbox items from a real
// order decision, signed POSTs over HTTP to a local receiver that verifies the signature.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoWebhookStore } from '../../shared/adapters/dynamo/webhook-store.ts';
import { ForbiddenWebhookAddressError, HttpWebhookSender, isForbiddenAddress } from '../../shared/adapters/http/webhook-sender.ts';
import type { UseCaseDeps } from '../../shared/app/context.ts';
import { busEventsFor } from '../../shared/app/events.ts';
import type { BusEvent, OutboxItem, WebhookRecord } from '../../shared/app/ports.ts';
import { verifySignature } from '../../shared/app/webhook-signature.ts';
import { deliverWebhook, generateWebhookSecret, listWebhookDeliveries, webhookDeliveriesFor } from '../../shared/app/use-cases/webhooks.ts';
import { deliverOnce, enqueue } from '../../shared/app/outbox.ts';
import { buildLines, createDraft, decide } from '../../shared/rules/port-in/order.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import { SAMPLE_NUMBER, command, ctx, details, facts, line } from '../rules/port-in-fixtures.ts';
import { createTestTable } from '../support/dynamo.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
/** What the receiver answers next (status, extra headers). */
let answer: { status: number; headers?: Record<string, string>; hang?: boolean } = { status: 204 };
let deps: UseCaseDeps;
let store: DynamoWebhookStore;

const NOW = new Date('2026-03-02T00:00:00Z');

/** A webhook of account `id` pointing at the local receiver. */
function webhookOf(id: string, n: number, overrides: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: `whk_${id}_${n}`,
    accountId: id,
    url: `${receiverUrl}/hooks/${id}/${n}`,
    description: null,
    eventTypes: ['PortIn.StatusChanged'],
    secret: generateWebhookSecret(),
    createdAt: NOW.toISOString(),
    ...overrides,
  };
}

/** The bus event of a real submit decision of an order of `accountId`. */
function submittedEvent(accountId: string): BusEvent {
  const context = ctx('AU', NOW.toISOString(), { id: accountId });
  const draft = createDraft({ id: `pin_${accountId}`, details: details('AU'), lines: buildLines([line(SAMPLE_NUMBER.AU)], policyFor('AU')) }, context, facts());
  const submitted = decide(draft.order, command.submit, context);
  const [event] = busEventsFor(submitted.order, submitted.events);
  return event!;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (answer.hang) return; // never answers: the sender's timeout must end it
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end('receiver says hello (ignored)');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const table = await createTestTable();
  store = new DynamoWebhookStore(table.client, table.tableName);
  const unused = () => {
    throw new Error('not used in this test');
  };
  deps = {
    repository: table.repository,
    webhookStore: store,
    clock: { now: () => new Date(NOW) },
    services: {
      workflow: null,
      mailer: { send: unused },
      bus: { publish: unused },
      webhooks: new HttpWebhookSender({ allowPrivateAddresses: true }),
      voice: { placeTestCall: unused },
      settings: { operatorEmail: null, publicBaseUrl: 'https://api.example.test', allowHttpWebhooks: true },
    },
  } as unknown as UseCaseDeps;
});
afterEach(() => {
  received = [];
  answer = { status: 204 };
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('webhookDeliveriesFor', () => {
  it("makes one pending item per subscribed webhook of the event's account, first retry a minute later", async () => {
    const a1 = webhookOf('acc_fan', 1);
    const a2 = webhookOf('acc_fan', 2);
    const unsubscribed = webhookOf('acc_fan', 3, { eventTypes: ['PortOut.StatusChanged'] });
    const otherAccount = webhookOf('acc_other', 1);
    for (const webhook of [a1, a2, unsubscribed, otherAccount]) expect(await store.create(webhook, 10)).toBe(true);

    const event = submittedEvent('acc_fan');
    const items = await webhookDeliveriesFor(deps, event, NOW);
    expect(items.map((i) => i.subjectId).sort()).toEqual([a1.id, a2.id].sort());
    const item = items.find((i) => i.subjectId === a1.id)!;
    expect(item).toEqual({
      id: `${event.detail.id}.${a1.id}`,
      message: { kind: 'webhook', webhookId: a1.id, accountId: 'acc_fan', url: a1.url, eventId: event.detail.id, body: expect.any(String) },
      subjectId: a1.id,
      purpose: 'PortIn.StatusChanged',
      status: 'pending',
      attempts: [],
      createdAt: NOW.toISOString(),
      nextAttemptAt: '2026-03-02T00:01:00.000Z',
      deliveredAt: null,
    } satisfies OutboxItem);
    expect(JSON.parse((item.message as { body: string }).body)).toEqual({
      id: event.detail.id,
      type: 'PortIn.StatusChanged',
      createdAt: event.detail.occurredAt,
      data: event.detail,
    });
    // The same event again gives the same ids: storing them twice creates nothing new.
    expect((await webhookDeliveriesFor(deps, event, new Date('2026-03-02T01:00:00Z'))).map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
    expect(await webhookDeliveriesFor(deps, submittedEvent('acc_nobody'), NOW)).toEqual([]);
  });
});

describe('deliverWebhook', () => {
  it('POSTs the body with a PortDesk-Signature the receiver verifies, and the event headers', async () => {
    const webhook = webhookOf('acc_deliver', 1);
    await store.create(webhook, 10);
    const [item] = await webhookDeliveriesFor(deps, submittedEvent('acc_deliver'), NOW);
    const message = item!.message as Extract<OutboxItem['message'], { kind: 'webhook' }>;

    expect(await deliverWebhook(deps, message, NOW)).toEqual({ status: 204 });
    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.path).toBe('/hooks/acc_deliver/1');
    expect(request.body).toBe(message.body);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['portdesk-event-id']).toBe(message.eventId);
    expect(request.headers['portdesk-event-type']).toBe('PortIn.StatusChanged');
    const signature = request.headers['portdesk-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(webhook.secret, request.body, signature, NOW)).toBe(true);
    expect(verifySignature(webhook.secret, request.body, signature, new Date(NOW.getTime() + 10 * 60_000))).toBe(false);
    expect(verifySignature(generateWebhookSecret(), request.body, signature, NOW)).toBe(false);
  });

  it("answers the receiver's status (errors and redirects, which are not followed)", async () => {
    const webhook = webhookOf('acc_status', 1);
    await store.create(webhook, 10);
    const [item] = await webhookDeliveriesFor(deps, submittedEvent('acc_status'), NOW);
    const message = item!.message as Extract<OutboxItem['message'], { kind: 'webhook' }>;

    answer = { status: 500 };
    expect(await deliverWebhook(deps, message, NOW)).toEqual({ status: 500 });
    answer = { status: 302, headers: { location: `${receiverUrl}/elsewhere` } };
    expect(await deliverWebhook(deps, message, NOW)).toEqual({ status: 302 });
    expect(received.map((r) => r.path)).toEqual(['/hooks/acc_status/1', '/hooks/acc_status/1']);
  });

  it('answers 410 without any request once the webhook is deleted (the outbox then stops)', async () => {
    const webhook = webhookOf('acc_gone', 1);
    await store.create(webhook, 10);
    const [item] = await webhookDeliveriesFor(deps, submittedEvent('acc_gone'), NOW);
    expect(await store.delete(webhook.id)).toBe(true);
    expect(await deliverWebhook(deps, item!.message as Extract<OutboxItem['message'], { kind: 'webhook' }>, NOW)).toEqual({ status: 410 });
    expect(received).toEqual([]);
  });
});

describe('through the outbox (the first try at once, then retries)', () => {
  const operator = { role: 'operator', principalId: 'op', accountId: null, carrierId: null } as const;

  it("records every attempt on the webhook's deliveries until one succeeds", async () => {
    const webhook = webhookOf('acc_outbox', 1);
    await store.create(webhook, 10);
    const items = await webhookDeliveriesFor(deps, submittedEvent('acc_outbox'), NOW);

    answer = { status: 503 };
    expect(await enqueue(deps, items)).toEqual([items[0]!.id]);
    let deliveries = await listWebhookDeliveries(deps, operator, webhook.id, { cursor: null, limit: 10 });
    expect(deliveries.items).toHaveLength(1);
    expect(deliveries.items[0]).toMatchObject({ id: items[0]!.id, status: 'pending', attempts: [{ ok: false, outcome: expect.stringContaining('503') }] });

    answer = { status: 200 };
    expect(await deliverOnce(deps, (await deps.repository.getOutbox(items[0]!.id))!)).toBe('delivered');
    deliveries = await listWebhookDeliveries(deps, operator, webhook.id, { cursor: null, limit: 10 });
    expect(deliveries.items[0]).toMatchObject({ status: 'delivered', nextAttemptAt: null, attempts: [{ ok: false }, { ok: true, outcome: expect.stringContaining('200') }] });

    expect(received).toHaveLength(2);
    for (const request of received) expect(verifySignature(webhook.secret, request.body, request.headers['portdesk-signature'] as string, NOW)).toBe(true);
    // Creating the same deliveries again is a no-op: nothing is sent twice.
    expect(await enqueue(deps, items)).toEqual([]);
    expect(received).toHaveLength(2);
  });

  it('stops for good once the webhook is deleted', async () => {
    const webhook = webhookOf('acc_outbox_gone', 1);
    await store.create(webhook, 10);
    const [item] = await webhookDeliveriesFor(deps, submittedEvent('acc_outbox_gone'), NOW);
    await store.delete(webhook.id);
    await deps.repository.putOutbox([item!]);
    expect(await deliverOnce(deps, item!)).toBe('failed');
    expect(received).toEqual([]);
  });
});

describe('DynamoWebhookStore', () => {
  it('keeps at most the given number per account and counts deletes', async () => {
    const hooks = [1, 2, 3].map((n) => webhookOf('acc_limit', n));
    expect(await store.create(hooks[0]!, 2)).toBe(true);
    expect(await store.create(hooks[1]!, 2)).toBe(true);
    expect(await store.create(hooks[2]!, 2)).toBe(false);
    expect(await store.get(hooks[2]!.id)).toBeNull();
    expect(await store.delete(hooks[0]!.id)).toBe(true);
    expect(await store.delete(hooks[0]!.id)).toBe(false);
    expect(await store.create(hooks[2]!, 2)).toBe(true);
    expect((await store.listByAccount('acc_limit', { cursor: null, limit: 10 })).items.map((w) => w.id).sort()).toEqual([hooks[1]!.id, hooks[2]!.id].sort());
    expect(await store.get(hooks[1]!.id)).toEqual(hooks[1]);
  });
});

describe('HttpWebhookSender', () => {
  const strict = new HttpWebhookSender();

  it('refuses loopback, private and link-local hosts unless allowed', async () => {
    for (const url of [
      `${receiverUrl}/x`,
      'http://localhost:9/x',
      'https://api.localhost/x',
      'http://[::1]:9/x',
      'http://[::ffff:127.0.0.1]:9/x',
      'http://10.1.2.3/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://0.0.0.0/x',
    ]) {
      await expect(strict.post(url, '{}', {}), url).rejects.toBeInstanceOf(ForbiddenWebhookAddressError);
    }
    expect(received).toEqual([]);
  });

  it('refuses a public-looking name that resolves to a private address', async () => {
    const sender = new HttpWebhookSender({ resolve: async () => ['203.0.113.10', '192.168.1.20'] });
    await expect(sender.post('https://hooks.example.test/x', '{}', {})).rejects.toThrow(/resolves to .* private/);
    const internal = new HttpWebhookSender({ resolve: async () => ['fd00::1'] });
    await expect(internal.post('https://hooks.example.test/x', '{}', {})).rejects.toBeInstanceOf(ForbiddenWebhookAddressError);
  });

  it('classifies addresses', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd12:3456::1', '::ffff:10.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:a9fe:a9fe', 'nonsense']) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it('gives up when the receiver does not answer in time', async () => {
    answer = { status: 204, hang: true };
    const impatient = new HttpWebhookSender({ allowPrivateAddresses: true, timeoutMs: 200 });
    await expect(impatient.post(`${receiverUrl}/slow`, '{}', {})).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
