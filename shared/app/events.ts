// Versioned domain events: what we publish on the EventBridge bus and deliver to webhooks. Each
// event type has one zod schema (the contract); its JSON Schema is kept in schemas/events/ for
// consumers and checked against the schema by a test (UPDATE_SCHEMAS=1 regenerates it).
//
// Events carry no personal data: no names, addresses, PINs, emails or numbers (a count only).
import * as z from 'zod';
import type { BusEvent } from './ports.ts';
import { MARKETS, ORDER_STATUSES, type OrderStatus, type PortInEvent, type PortInOrder } from '../rules/types.ts';

export const EVENT_SOURCE = 'portdesk' as const;

export const PORT_IN_STATUS_CHANGED = 'PortIn.StatusChanged' as const;

/** Every detail type we publish (webhooks subscribe to a subset). */
export const EVENT_TYPES = [PORT_IN_STATUS_CHANGED] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A machine code (never free text, which could carry personal data). */
const CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

export const PortInStatusChangedV1 = z
  .object({
    version: z.literal('1'),
    id: z.string().min(1).max(200).meta({ description: 'Stable event id `<orderId>.<orderVersion>.<index>`: the same change always has the same id; dedupe on it.' }),
    occurredAt: z.iso.datetime().meta({ description: 'When the change happened (ISO 8601, UTC)' }),
    orderId: z.string().min(1),
    accountId: z.string().min(1),
    market: z.enum(MARKETS),
    carrierId: z.string().min(1).nullable().meta({ description: 'The losing carrier, when the order names one' }),
    from: z.enum(ORDER_STATUSES),
    to: z.enum(ORDER_STATUSES),
    eventType: z.string().regex(/^[a-z_]+$/).meta({ description: 'The timeline event behind the change, e.g. submitted, sent_to_carrier, rejected' }),
    reason: z.string().regex(CODE).optional().meta({ description: 'A machine reason where there is one: the carrier rejection code, activation_prerequisites, resubmission_deadline_passed' }),
    numberCount: z.number().int().min(0).meta({ description: 'How many numbers the order holds (the numbers themselves are not in the event)' }),
  })
  .strict()
  .meta({
    title: 'PortIn.StatusChanged v1',
    description: 'detail of the PortDesk bus event `PortIn.StatusChanged` (source `portdesk`), one per status change of a port-in order',
  });

export type PortInStatusChanged = z.infer<typeof PortInStatusChangedV1>;

/** Detail schemas by file name under schemas/events/. */
export const EVENT_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'PortIn.StatusChanged.v1.json': PortInStatusChangedV1,
};

/** The JSON Schema files' contents (2-space JSON plus a newline), as written to schemas/events/. */
export function eventSchemaFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(EVENT_SCHEMAS).map(([file, schema]) => [file, `${JSON.stringify(z.toJSONSchema(schema, { io: 'output' }), null, 2)}\n`]),
  );
}

const isStatus = (value: unknown): value is OrderStatus => (ORDER_STATUSES as readonly unknown[]).includes(value);

/**
 * The bus events of one stored order change: one `PortIn.StatusChanged` per timeline event whose
 * data has a `from` and a `to` status. `order` is the order after the change (its version names the
 * change); `events` are that change's events in order.
 */
export function busEventsFor(order: PortInOrder, events: PortInEvent[]): BusEvent[] {
  const out: BusEvent[] = [];
  events.forEach((event, index) => {
    const { from, to } = event.data;
    if (!isStatus(from) || !isStatus(to)) return;
    const detail: PortInStatusChanged = {
      version: '1',
      id: `${order.id}.${order.version}.${index}`,
      occurredAt: new Date(event.at).toISOString(),
      orderId: order.id,
      accountId: order.accountId,
      market: order.market,
      carrierId: order.details.carrierId || null,
      from,
      to,
      eventType: event.type,
      numberCount: order.lines.length,
    };
    const reason = reasonOf(event);
    if (reason !== undefined) detail.reason = reason;
    out.push({ source: EVENT_SOURCE, detailType: PORT_IN_STATUS_CHANGED, detail });
  });
  return out;
}

/** The machine reason of a change: the carrier's rejection code, or a code the rules set. */
function reasonOf(event: PortInEvent): string | undefined {
  const { reasonCode, reason } = event.data;
  // A rejection's `reason` is the carrier's free text: only its code may leave.
  const candidate = typeof reasonCode === 'string' ? reasonCode : event.type === 'rejected' ? undefined : reason;
  return typeof candidate === 'string' && CODE.test(candidate) ? candidate : undefined;
}
