// Local stand-in for EventBridge PutEvents, as the real SDK client sends it (awsJson1_1, X-Amz-Target
// `AWSEvents.PutEvents`). Entries are checked the way EventBridge checks them; accepted events are
// kept in memory (the most recent 1,000) in the shape rules and targets receive them, for
// `GET /_local/events` and tests.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAwsError, sendAwsJson, type AwsEndpoint } from './endpoint.ts';

const TARGET_PREFIX = 'AWSEvents.';
const JSON_1_1 = 'application/x-amz-json-1.1';
/** EventBridge's limits: 10 entries per request, 256 KB per request (and so per entry). */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;
const DEFAULT_CAPACITY = 1000;
const LOCAL_ACCOUNT = '000000000000';
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;

/** An event as EventBridge delivers it to rules' targets. */
export interface ReceivedEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  /** Local only: the bus it was put on and when the stand-in received it. */
  eventBusName: string;
  receivedAt: string;
}

export interface EventBridgeStandInOptions {
  /** Buses that exist; absent: any well-formed name is accepted. `default` always exists. */
  busNames?: readonly string[];
  /** Events kept (oldest dropped first). Default 1,000. */
  capacity?: number;
  region?: string;
}

export interface EventBridgeStandIn extends AwsEndpoint {
  /** The events received, oldest first (at most `capacity`). */
  listEvents(): ReceivedEvent[];
  clear(): void;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

interface RawEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
  TraceHeader?: unknown;
}

/** The size EventBridge counts for an entry (UTF-8 bytes of its fields; 14 bytes for a Time). */
function entrySize(entry: RawEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const field of [entry.Source, entry.DetailType, entry.Detail]) if (typeof field === 'string') size += Buffer.byteLength(field);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) if (typeof r === 'string') size += Buffer.byteLength(r);
  return size;
}

/** The awsJson 1.1 timestamp (epoch seconds, possibly fractional) or ISO text, as an ISO instant. */
function timeOf(value: unknown, fallback: Date): string | null {
  if (value === undefined || value === null) return fallback.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createEventBridgeStandIn(options: EventBridgeStandInOptions = {}): EventBridgeStandIn {
  const capacity = Math.max(1, options.capacity ?? DEFAULT_CAPACITY);
  const region = options.region ?? 'ap-southeast-2';
  const buses = options.busNames ? new Set(['default', ...options.busNames]) : null;
  let events: ReceivedEvent[] = [];

  function remember(event: ReceivedEvent): void {
    events.push(event);
    if (events.length > capacity) events = events.slice(events.length - capacity);
  }

  function check(entry: RawEntry, now: Date): { error: { ErrorCode: string; ErrorMessage: string } } | { event: ReceivedEvent } {
    const invalid = (message: string) => ({ error: { ErrorCode: 'InvalidArgument', ErrorMessage: message } });
    if (typeof entry.Source !== 'string' || entry.Source === '') return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
    if (entry.Source.length > 256) return invalid('Parameter Source is not valid. Reason: Source exceeds 256 characters.');
    if (entry.Source.startsWith('aws.')) {
      return { error: { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: `Not authorized for the source ${entry.Source}.` } };
    }
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
    if (entry.DetailType.length > 128) return invalid('Parameter DetailType is not valid. Reason: DetailType exceeds 128 characters.');
    if (typeof entry.Detail !== 'string' || entry.Detail === '') return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed: it must be a JSON object.' } };
    }
    let busName = 'default';
    if (entry.EventBusName !== undefined && entry.EventBusName !== null) {
      if (typeof entry.EventBusName !== 'string') return invalid('Parameter EventBusName is not valid.');
      const arn = BUS_ARN.exec(entry.EventBusName);
      const name = arn ? arn[1]! : entry.EventBusName;
      if (!BUS_NAME.test(name)) return invalid(`Parameter EventBusName is not valid. Reason: ${entry.EventBusName} is not a bus name or ARN.`);
      busName = name;
    }
    if (buses !== null && !buses.has(busName)) {
      return { error: { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` } };
    }
    const resources = entry.Resources === undefined || entry.Resources === null ? [] : entry.Resources;
    if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) return invalid('Parameter Resources is not valid.');
    const time = timeOf(entry.Time, now);
    if (time === null) return invalid('Parameter Time is not valid.');
    return {
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: LOCAL_ACCOUNT,
        time,
        region,
        resources: resources as string[],
        detail,
        eventBusName: busName,
        receivedAt: now.toISOString(),
      },
    };
  }

  function putEvents(body: Buffer, res: ServerResponse): void {
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      sendAwsError(res, 400, 'SerializationException', 'The request body is not valid JSON.');
      return;
    }
    const entries = (request as { Entries?: unknown })?.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      sendAwsError(res, 400, 'ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
      return;
    }
    if (entries.length > MAX_ENTRIES) {
      sendAwsError(
        res,
        400,
        'ValidationException',
        `1 validation error detected: Value '[...]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
      return;
    }
    const total = entries.reduce<number>((sum, entry: RawEntry) => sum + entrySize(entry ?? {}), 0);
    if (total > MAX_REQUEST_BYTES) {
      sendAwsError(res, 400, 'ValidationException', `Total size of the entries in the request is over the limit (${total} bytes; at most ${MAX_REQUEST_BYTES}).`);
      return;
    }
    const now = new Date();
    const results: EntryResult[] = [];
    let failed = 0;
    for (const entry of entries as RawEntry[]) {
      const checked = check(entry ?? {}, now);
      if ('error' in checked) {
        failed += 1;
        results.push(checked.error);
      } else {
        remember(checked.event);
        results.push({ EventId: checked.event.id });
      }
    }
    sendAwsJson(res, { FailedEntryCount: failed, Entries: results }, JSON_1_1);
  }

  return {
    service: 'events',
    matches: (req: IncomingMessage) => String(req.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX),
    async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
      const operation = String(req.headers['x-amz-target'] ?? '').slice(TARGET_PREFIX.length);
      if (req.method !== 'POST') {
        sendAwsError(res, 400, 'UnknownOperationException', `EventBridge operations are POST requests (got ${req.method}).`);
        return;
      }
      if (operation !== 'PutEvents') {
        sendAwsError(res, 400, 'UnknownOperationException', `The local EventBridge stand-in serves PutEvents only (got ${operation}).`);
        return;
      }
      putEvents(body, res);
    },
    listEvents: () => [...events],
    clear: () => {
      events = [];
    },
  };
}

/** The local runtime's stand-in (one per process). */
export const eventBridgeStandIn: EventBridgeStandIn = createEventBridgeStandIn();

/** The events the local runtime's stand-in received, oldest first (for `GET /_local/events`). */
export function listEvents(): ReceivedEvent[] {
  return eventBridgeStandIn.listEvents();
}
