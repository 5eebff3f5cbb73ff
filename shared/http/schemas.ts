// Request schemas: the single source for handler validation, the OpenAPI document and the
// request types. Shape checks only; business rules (validation codes) live in shared/rules.
import * as z from 'zod';
import { LINE_SERVICES, LINE_TYPES, MARKETS, ORDER_STATUSES } from '../rules/types.ts';
import { EVENT_TYPES } from '../app/events.ts';
import { PORT_OUT_STATUSES } from '../rules/port-out/types.ts';

/** Orders hold up to this many numbers (a carrier's bulk limit; see README). */
export const MAX_NUMBERS_PER_ORDER = 5000;

export const Money = z
  .object({
    currency: z.enum(['AUD', 'GBP', 'EUR']),
    amountMinor: z.number().int().min(0).max(100_000_000),
  })
  .meta({ id: 'Money', description: 'Integer minor units plus ISO currency: {"currency":"AUD","amountMinor":2000} is A$20.00.' });

const text = (max: number) => z.string().trim().min(1).max(max);
const isoDate = z.iso.date().meta({ description: 'Calendar date YYYY-MM-DD in the market time zone' });

export const CancellationRates = z
  .object({
    beforeCarrier: z.number().int().min(0).max(500),
    withCarrier: z.number().int().min(0).max(500),
    onTransferDate: z.number().int().min(0).max(500),
    afterTransferDate: z.number().int().min(0).max(500),
  })
  .meta({ id: 'CancellationRates', description: "Percent of the order's porting fees charged on cancellation, by stage" });

export const Plan = z
  .object({
    active: z.boolean(),
    portingEnabled: z.boolean(),
    monthlyFee: Money,
    portingFees: z.object({ standard: Money, complex: Money }).optional(),
    portBackFee: Money.optional(),
    cancellationRates: CancellationRates.optional(),
    seats: z.number().int().min(1).max(100_000).optional(),
  })
  .meta({ id: 'Plan' });

const portOutPin = z.string().regex(/^[0-9A-Za-z]{4,12}$/, 'Use 4 to 12 letters or digits');

export const CreateAccountBody = z
  .object({
    name: text(200),
    market: z.enum(MARKETS),
    adminEmail: z.email(),
    plan: Plan,
    losingCarrierAccountNumber: text(64).optional(),
    portOutPin: portOutPin.optional(),
    terminationDate: isoDate.optional(),
  })
  .meta({ id: 'CreateAccount' });

// ---- account updates (PATCH /v1/accounts/{id}) ---------------------------------------------------

/** The fields that change; null clears an optional one. Customers may send only adminEmail and portOutPin. */
export const UpdateAccountBody = z
  .object({
    name: text(200).optional(),
    adminEmail: z.email().optional(),
    plan: Plan.optional().meta({ description: 'Replaces the whole plan; prices in the market currency' }),
    losingCarrierAccountNumber: text(64).nullable().optional(),
    portOutPin: portOutPin.nullable().optional().meta({ description: 'Sets the port-out PIN (stored hashed, never shown); null removes it' }),
    terminationDate: isoDate.nullable().optional().meta({ description: 'null: the account no longer terminates; refused once its numbers were released' }),
  })
  .strict()
  .meta({ id: 'UpdateAccount' });

export type UpdateAccountInput = z.infer<typeof UpdateAccountBody>;

export const AddNumbersBody = z
  .object({
    numbers: z
      .array(z.object({ number: text(32), origin: z.enum(['provisioned', 'ported_in']) }))
      .min(1)
      .max(MAX_NUMBERS_PER_ORDER),
  })
  .meta({ id: 'AddNumbers' });

export const CallActivityBody = z
  .object({ direction: z.enum(['inbound', 'outbound']), at: z.iso.datetime({ offset: true }) })
  .meta({ id: 'CallActivity' });

export const CreateCarrierBody = z
  .object({
    name: text(200),
    emailDomains: z.array(z.string().regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'Give a domain such as carrier.example')).max(20).optional(),
    portingEmail: z.email().optional(),
    // https is checked by the use case (the local runtime allows http for its stand-ins).
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .meta({ id: 'CreateCarrier' });

export const PortabilityCheckBody = z
  .object({
    numbers: z.array(text(32)).min(1).max(MAX_NUMBERS_PER_ORDER),
    accountId: z.string().optional().meta({ description: 'Operators: the account whose market applies' }),
  })
  .meta({ id: 'PortabilityCheck' });

const LineInput = z.object({
  number: text(32),
  lineType: z.enum(LINE_TYPES),
  services: z.array(z.enum(LINE_SERVICES)).max(LINE_SERVICES.length).optional(),
  acknowledgedServiceLoss: z.boolean().optional(),
  dslSeparated: z.boolean().optional(),
});

const AccountHolder = z.object({
  businessName: text(200).optional(),
  firstName: text(100).optional(),
  lastName: text(100).optional(),
});

const ServiceAddress = z.object({
  line1: text(200),
  line2: text(200).optional(),
  locality: text(100),
  region: text(100).optional(),
  postcode: text(20),
  country: z.string().regex(/^[A-Za-z]{2}$/, 'Use the ISO 3166 two-letter country code'),
});

/** The customer's fields of a port-in order. Most are optional in a draft; submission checks them. */
const portInFields = {
  numbers: z.array(LineInput).max(MAX_NUMBERS_PER_ORDER),
  carrierId: z.string().min(1).max(64).optional(),
  losingCarrierAccountNumber: text(64).optional(),
  pin: text(32).optional(),
  accountHolder: AccountHolder.optional(),
  serviceAddress: ServiceAddress.optional(),
  submitterEmail: z.email().optional(),
  primaryNumber: text(32).optional(),
  internetConnection: text(64).optional(),
  temporaryNumber: z.object({ number: text(32), keepAsVirtual: z.boolean() }).optional(),
  termsAccepted: z.boolean().optional(),
};

export const CreatePortInBody = z
  .object({
    ...portInFields,
    accountId: z.string().optional().meta({ description: 'Operators: the account the order is for' }),
  })
  .meta({ id: 'CreatePortIn' });

/** The full editable shape after a merge patch is applied (checked again after patching). */
export const PortInFields = z.object(portInFields).strict();

/** JSON merge patch: any subset of the fields; null removes an optional field; arrays replace. */
export const UpdatePortInBody = z
  .record(z.string(), z.unknown())
  .meta({ id: 'UpdatePortIn', description: 'JSON merge patch (RFC 7386) of the CreatePortIn fields' });

export const SignatureBody = z
  .object({
    signerName: text(200),
    agreed: z.literal(true, { error: 'Set agreed: true to sign the Letter of Authority' }),
  })
  .meta({ id: 'Signature' });

export const CarrierEventBody = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('rejected'), reasonCode: text(64), reason: text(1000) }),
    z.object({ type: z.literal('transfer_date'), transferDate: isoDate }),
    z.object({ type: z.literal('completed'), completedOn: isoDate }),
  ])
  .meta({ id: 'CarrierEvent' });

export const CancelBody = z.object({ reason: text(500).optional() }).meta({ id: 'Cancel' });

export const EmptyBody = z.object({}).meta({ id: 'Empty' });

export const PageQuery = z.object({
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const ListPortInsQuery = PageQuery.extend({
  status: z.enum(ORDER_STATUSES).optional(),
  accountId: z.string().optional(),
  /** `true`: only orders whose workflow step failed for good (the operator's work list). */
  exception: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const CreateWebhookBody = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'Give an absolute https:// URL' })
      .max(2048)
      .meta({ description: 'Where we POST events: https only' }),
    description: text(500).optional(),
    eventTypes: z
      .array(z.enum(EVENT_TYPES))
      .min(1)
      .max(20)
      .optional()
      .meta({ description: 'Event types to deliver; default: all' }),
    accountId: z.string().optional().meta({ description: 'Operators: the account the webhook is for' }),
  })
  .meta({ id: 'CreateWebhook' });

export const ListWebhooksQuery = PageQuery.extend({
  accountId: z.string().optional(),
});

/** Statuses of a message received at the porting mailbox (InboundEmailStatus). */
export const INBOUND_EMAIL_STATUSES = ['received', 'applied', 'attached', 'quarantined', 'dismissed'] as const;

export const ListInboundEmailsQuery = PageQuery.extend({
  status: z.enum(INBOUND_EMAIL_STATUSES).optional().meta({ description: 'Only messages in this status (quarantined: the operator\'s work list); default: all' }),
});

export const ApplyInboundEmailBody = z
  .object({
    orderId: z.string().min(1).max(80).meta({ description: 'The port-in order the message is about' }),
    event: CarrierEventBody,
  })
  .meta({ id: 'ApplyInboundEmail', description: "The operator's reading of a quarantined email: applied to the order as a carrier event" });

export const DismissInboundEmailBody = z
  .object({ reason: text(1000).meta({ description: 'Why nothing is applied (kept with the message)' }) })
  .meta({ id: 'DismissInboundEmail' });

// ---- port-outs: a gaining carrier asks us to release numbers ------------------------------------

export const CreatePortOutBody = z
  .object({
    numbers: z
      .array(text(32))
      .min(1)
      // MAX_NUMBERS_PER_PORT_OUT (rules/port-out/evaluate.ts), not imported: it would bring the market calendar into every bundle.
      .max(1000)
      .meta({ description: 'The numbers to port out, in E.164 form (+61…, +44…, +33…)' }),
    accountNumber: text(64).optional().meta({ description: 'The account number the subscriber has with us, where it has one' }),
    pin: z.string().trim().min(1).max(32).optional().meta({ description: "The subscriber's port-out PIN, where the account set one (never stored)" }),
    authorizedName: text(200).meta({ description: 'Who authorised the port-out for the subscriber' }),
    requestedDate: isoDate,
    carrierId: z.string().optional().meta({ description: 'Operators: the gaining carrier the request is for' }),
  })
  .meta({ id: 'CreatePortOut' });

export const PortOutCarrierEventBody = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('completed'), completedOn: isoDate }),
    z.object({ type: z.literal('withdrawn'), reason: text(500).optional() }),
  ])
  .meta({ id: 'PortOutCarrierEvent' });

export const ListPortOutsQuery = PageQuery.extend({
  status: z.enum(PORT_OUT_STATUSES).optional(),
  accountId: z.string().optional().meta({ description: 'Operators: only the port-outs of this account' }),
});

export type CreatePortOutInput = z.infer<typeof CreatePortOutBody>;
export type PortOutCarrierEventInput = z.infer<typeof PortOutCarrierEventBody>;

/** Kinds of document a customer uploads (the LOAs are written by the signing code). */
export const UPLOAD_KINDS = ['bill_copy', 'other'] as const;

/** The upload form (multipart/form-data): documents the request body in OpenAPI and checks its text fields. */
export const UploadDocumentForm = z
  .object({
    file: z.file().meta({
      description: 'The document: PDF, PNG or JPEG (decided from its content, not its name), at most 4 MiB; executables are refused whatever their name',
    }),
    kind: z.enum(UPLOAD_KINDS).default('bill_copy').meta({ description: 'bill_copy (default): a recent bill from the losing carrier; other: anything else' }),
  })
  .meta({ id: 'UploadDocument' });

export type CreateAccountInput = z.infer<typeof CreateAccountBody>;
export type CreatePortInInput = z.infer<typeof CreatePortInBody>;
export type PortInFieldsInput = z.infer<typeof PortInFields>;
export type CarrierEventInput = z.infer<typeof CarrierEventBody>;
export type CreateWebhookInput = z.infer<typeof CreateWebhookBody>;

/** Which body and query schema each route takes (routes absent here take no body). */
export const ROUTE_SCHEMAS = {
  createAccount: { body: CreateAccountBody },
  updateAccount: { body: UpdateAccountBody },
  listAccounts: { query: PageQuery },
  addAccountNumbers: { body: AddNumbersBody },
  listAccountNumbers: { query: PageQuery },
  recordCallActivity: { body: CallActivityBody },
  createCarrier: { body: CreateCarrierBody },
  listCarriers: { query: PageQuery },
  checkPortability: { body: PortabilityCheckBody },
  createPortIn: { body: CreatePortInBody },
  listPortIns: { query: ListPortInsQuery },
  updatePortIn: { body: UpdatePortInBody },
  submitPortIn: { body: EmptyBody },
  signPortIn: { body: SignatureBody },
  postCarrierEvent: { body: CarrierEventBody },
  resubmitPortIn: { body: EmptyBody },
  cancelPortIn: { body: CancelBody },
  listPortInEvents: { query: PageQuery },
  listPortInDocuments: { query: PageQuery },
  createWebhook: { body: CreateWebhookBody },
  listWebhooks: { query: ListWebhooksQuery },
  listWebhookDeliveries: { query: PageQuery },
  listInboundEmails: { query: ListInboundEmailsQuery },
  applyInboundEmail: { body: ApplyInboundEmailBody },
  dismissInboundEmail: { body: DismissInboundEmailBody },
  // port-outs
  createPortOut: { body: CreatePortOutBody },
  listPortOuts: { query: ListPortOutsQuery },
  postPortOutCarrierEvent: { body: PortOutCarrierEventBody },
  cancelPortOut: { body: CancelBody },
  listPortOutEvents: { query: PageQuery },
} satisfies Record<string, { body?: z.ZodType; query?: z.ZodType }>;

/** Routes whose body is a multipart/form-data form (parsed by the route itself; see multipart.ts). */
export const FORM_SCHEMAS = {
  uploadPortInDocument: UploadDocumentForm,
} satisfies Record<string, z.ZodType>;
