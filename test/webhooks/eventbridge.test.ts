// The EventBridge stand-in, driven by the real SDK client (awsJson1_1, X-Amz-Target
// AWSEvents.PutEvents), and the EventBus adapter that publishes through it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ListRulesCommand, PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createAwsStandInServer } from '../../local/aws/server.ts';
import { createEventBridgeStandIn, eventBridgeStandIn, listEvents, MAX_REQUEST_BYTES } from '../../local/aws/eventbridge.ts';
import { createEventBridgeClient, EventBridgeBus, EventPublishError } from '../../shared/adapters/aws/eventbridge-bus.ts';
import type { BusEvent } from '../../shared/app/ports.ts';

const BUS = 'portdesk-test';
const standIn = createEventBridgeStandIn({ busNames: [BUS], capacity: 50 });
let server: Server;
let endpoint: string;
let client: EventBridgeClient;
const errors: string[] = [];

const busEvent = (n: number, extra: Record<string, unknown> = {}): BusEvent => ({
  source: 'portdesk',
  detailType: 'PortIn.StatusChanged',
  detail: { version: '1', id: `pin_x.${n}.0`, occurredAt: new Date(Date.UTC(2026, 2, 2, 0, n)).toISOString(), from: 'draft', to: 'awaiting_signature', ...extra },
});

beforeAll(async () => {
  server = createAwsStandInServer([standIn], (message) => errors.push(message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createEventBridgeClient({ endpoint, region: 'ap-southeast-2' });
});
beforeEach(() => standIn.clear());
afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(errors).toEqual([]);
});

describe('EventBridgeBus on the stand-in', () => {
  it('publishes every event, 10 per request, as rules receive them', async () => {
    const bus = new EventBridgeBus({ eventBusName: BUS, client });
    const events = Array.from({ length: 23 }, (_, n) => busEvent(n));
    await bus.publish(events);
    const received = standIn.listEvents();
    expect(received).toHaveLength(23);
    expect(received.map((e) => (e.detail as { id: string }).id)).toEqual(events.map((e) => e.detail.id));
    expect(received[5]).toMatchObject({
      version: '0',
      'detail-type': 'PortIn.StatusChanged',
      source: 'portdesk',
      account: '000000000000',
      time: '2026-03-02T00:05:00Z',
      resources: [],
      detail: events[5]!.detail,
      eventBusName: BUS,
    });
    expect(new Set(received.map((e) => e.id)).size).toBe(23);
  });

  it('accepts the bus by ARN and an empty list as a no-op', async () => {
    await new EventBridgeBus({ eventBusName: `arn:aws:events:ap-southeast-2:123456789012:event-bus/${BUS}`, client }).publish([busEvent(1)]);
    await new EventBridgeBus({ eventBusName: BUS, client }).publish([]);
    expect(standIn.listEvents().map((e) => e.eventBusName)).toEqual([BUS]);
  });

  it('throws naming the events that failed (unknown bus)', async () => {
    const bus = new EventBridgeBus({ eventBusName: 'no-such-bus', client });
    const failure = await bus.publish([busEvent(1), busEvent(2)]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EventPublishError);
    expect((failure as EventPublishError).failed.map((f) => [f.id, f.errorCode])).toEqual([
      ['pin_x.1.0', 'ResourceNotFoundException'],
      ['pin_x.2.0', 'ResourceNotFoundException'],
    ]);
    expect((failure as Error).message).toContain('pin_x.1.0');
    expect(standIn.listEvents()).toEqual([]);
  });

  it('connects by endpoint setting too (as the composition root builds it)', async () => {
    const bus = new EventBridgeBus({ eventBusName: BUS, endpoint });
    await bus.publish([busEvent(7)]);
    expect(standIn.listEvents()).toHaveLength(1);
  });
});

describe('PutEvents checks, with the real client', () => {
  const entry = (overrides: Record<string, unknown> = {}) => ({
    EventBusName: BUS,
    Source: 'portdesk',
    DetailType: 'PortIn.StatusChanged',
    Detail: JSON.stringify({ ok: true }),
    ...overrides,
  });

  it('answers per entry: good ones are kept, bad ones say why', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(),
          entry({ DetailType: undefined }),
          entry({ Source: undefined }),
          entry({ Detail: '{not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ EventBusName: 'elsewhere' }),
          entry({ Source: 'aws.events' }),
          entry({ EventBusName: undefined }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(6);
    expect(result.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
      'NotAuthorizedForSourceException',
      'ok',
    ]);
    expect(result.Entries?.[1]?.ErrorMessage).toMatch(/DetailType/);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(standIn.listEvents().map((e) => e.eventBusName)).toEqual([BUS, 'default']);
  });

  it('refuses more than 10 entries, and more than 256 KB, as a whole', async () => {
    await expect(client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const big = JSON.stringify({ blob: 'x'.repeat(MAX_REQUEST_BYTES) });
    await expect(client.send(new PutEventsCommand({ Entries: [entry({ Detail: big })] }))).rejects.toMatchObject({ name: 'ValidationException' });
    const justFits = JSON.stringify({ b: 'x'.repeat(MAX_REQUEST_BYTES - 'portdesk'.length - 'PortIn.StatusChanged'.length - 20) });
    const ok = await client.send(new PutEventsCommand({ Entries: [entry({ Detail: justFits })] }));
    expect(ok.FailedEntryCount).toBe(0);
    expect(standIn.listEvents()).toHaveLength(1);
  });

  it('answers other EventBridge operations as unknown', async () => {
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});

describe('memory', () => {
  it('keeps the most recent events only', async () => {
    const small = createEventBridgeStandIn({ capacity: 3 });
    const smallServer = createAwsStandInServer([small]);
    await new Promise<void>((resolve) => smallServer.listen(0, '127.0.0.1', resolve));
    try {
      const bus = new EventBridgeBus({ eventBusName: 'default', endpoint: `http://127.0.0.1:${(smallServer.address() as AddressInfo).port}` });
      await bus.publish(Array.from({ length: 5 }, (_, n) => busEvent(n)));
      expect(small.listEvents().map((e) => (e.detail as { id: string }).id)).toEqual(['pin_x.2.0', 'pin_x.3.0', 'pin_x.4.0']);
    } finally {
      await new Promise<void>((resolve) => smallServer.close(() => resolve()));
    }
  });

  it('the local runtime stand-in is exposed through listEvents()', () => {
    expect(listEvents()).toEqual(eventBridgeStandIn.listEvents());
  });
});
