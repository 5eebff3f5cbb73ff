// The EventBus port on EventBridge PutEvents (at most 10 entries a request). Any failed entry makes
// publish throw, naming the events that failed, so the outbox retries them (consumers dedupe on
// detail.id). Locally the client points at the stand-in (EVENTBRIDGE_ENDPOINT).
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BusEvent, EventBus } from '../../app/ports.ts';
import { awsClientConfig } from './client-config.ts';

/** PutEvents' limit on entries per request. */
export const MAX_ENTRIES_PER_REQUEST = 10;

export interface EventBridgeBusOptions {
  /** EVENT_BUS_NAME: the bus's name or ARN. */
  eventBusName: string;
  /** A local stand-in (EVENTBRIDGE_ENDPOINT); absent in AWS. */
  endpoint?: string;
  /** Absent: the SDK's own region resolution; `us-east-1` with an endpoint. */
  region?: string;
  /** Or a ready client (tests, shared configuration). */
  client?: EventBridgeClient;
}

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  constructor(
    readonly failed: { id: string; errorCode: string; errorMessage: string }[],
  ) {
    super(
      `EventBridge refused ${failed.length} event(s): ${failed.map((f) => `${f.id} (${f.errorCode}: ${f.errorMessage})`).join('; ')}`,
    );
  }
}

export function createEventBridgeClient(options: { endpoint?: string; region?: string } = {}): EventBridgeClient {
  return new EventBridgeClient(awsClientConfig({ endpoint: options.endpoint, region: options.region }));
}

export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;

  constructor(options: EventBridgeBusOptions) {
    if (!options.eventBusName) throw new Error('EventBridgeBus needs an event bus name (EVENT_BUS_NAME)');
    this.eventBusName = options.eventBusName;
    this.client = options.client ?? createEventBridgeClient({ endpoint: options.endpoint, region: options.region });
  }

  async publish(events: BusEvent[]): Promise<void> {
    const failed: EventPublishError['failed'] = [];
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_REQUEST) {
      const batch = events.slice(start, start + MAX_ENTRIES_PER_REQUEST);
      const entries: PutEventsRequestEntry[] = batch.map((event) => ({
        EventBusName: this.eventBusName,
        Source: event.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.occurredAt),
      }));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if ((result.FailedEntryCount ?? 0) === 0) continue;
      // Result entries are in request order; an entry with an ErrorCode failed.
      batch.forEach((event, i) => {
        const entry = result.Entries?.[i];
        if (entry === undefined || entry.ErrorCode !== undefined || entry.EventId === undefined) {
          failed.push({ id: event.detail.id, errorCode: entry?.ErrorCode ?? 'Unknown', errorMessage: entry?.ErrorMessage ?? 'no result entry' });
        }
      });
    }
    if (failed.length > 0) throw new EventPublishError(failed);
  }
}
