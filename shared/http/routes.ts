// The one route table: CDK builds API Gateway routes and one Lambda per route from it, and the
// local server serves exactly the same routes with the same handler modules.
import type { Role } from '../app/ports.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  /** Stable operation id: also the OpenAPI operationId and the Lambda's logical name. */
  id: string;
  method: HttpMethod;
  /** API Gateway path template, e.g. /v1/port-ins/{id}. */
  path: string;
  /** Handler module under functions/, without extension; it exports `handler`. */
  handler: string;
  /** Roles allowed; 'public' routes skip the authorizer. */
  access: readonly Role[] | 'public';
  /** Whether the handler writes to the table (drives least-privilege grants). */
  writes: boolean;
  /** Files it touches in the blob store's documents/ prefix (drives the bucket grants); none when absent. */
  files?: 'read' | 'write';
  /** 'page': an HTML page for people (the signing page), outside the JSON API and its OpenAPI document. */
  kind?: 'page';
  summary: string;
}

const ALL: readonly Role[] = ['operator', 'customer', 'carrier'];
const BACK_OFFICE: readonly Role[] = ['operator'];
const CUSTOMER_SIDE: readonly Role[] = ['operator', 'customer'];

export const ROUTES: readonly RouteSpec[] = [
  { id: 'health', method: 'GET', path: '/health', handler: 'api/health', access: 'public', writes: false, summary: 'Liveness check' },
  { id: 'openapi', method: 'GET', path: '/openapi.json', handler: 'api/openapi', access: 'public', writes: false, summary: 'This API as an OpenAPI 3.1 document' },

  { id: 'createAccount', method: 'POST', path: '/v1/accounts', handler: 'api/accounts/create', access: BACK_OFFICE, writes: true, summary: 'Create a customer account and its API key' },
  { id: 'listAccounts', method: 'GET', path: '/v1/accounts', handler: 'api/accounts/list', access: BACK_OFFICE, writes: false, summary: 'List accounts' },
  { id: 'getAccount', method: 'GET', path: '/v1/accounts/{id}', handler: 'api/accounts/get', access: CUSTOMER_SIDE, writes: false, summary: 'Read an account' },
  { id: 'updateAccount', method: 'PATCH', path: '/v1/accounts/{id}', handler: 'api/accounts/update', access: CUSTOMER_SIDE, writes: true, summary: "Change an account's fields (customers: adminEmail and portOutPin only)" },
  { id: 'addAccountNumbers', method: 'POST', path: '/v1/accounts/{id}/numbers', handler: 'api/accounts/add-numbers', access: BACK_OFFICE, writes: true, summary: "Add numbers to an account's inventory" },
  { id: 'listAccountNumbers', method: 'GET', path: '/v1/accounts/{id}/numbers', handler: 'api/accounts/list-numbers', access: CUSTOMER_SIDE, writes: false, summary: "List an account's inventory" },
  { id: 'recordCallActivity', method: 'POST', path: '/v1/accounts/{id}/call-activity', handler: 'api/accounts/call-activity', access: BACK_OFFICE, writes: true, summary: 'Record a call (GB activation prerequisite)' },

  { id: 'createCarrier', method: 'POST', path: '/v1/carriers', handler: 'api/carriers/create', access: BACK_OFFICE, writes: true, summary: 'Register a carrier and its API key' },
  { id: 'listCarriers', method: 'GET', path: '/v1/carriers', handler: 'api/carriers/list', access: CUSTOMER_SIDE, writes: false, summary: 'List carriers (to pick the losing carrier)' },

  { id: 'checkPortability', method: 'POST', path: '/v1/portability-checks', handler: 'api/portability-checks/create', access: CUSTOMER_SIDE, writes: false, summary: 'Check numbers before ordering' },

  { id: 'createPortIn', method: 'POST', path: '/v1/port-ins', handler: 'api/port-ins/create', access: CUSTOMER_SIDE, writes: true, summary: 'Create a port-in order (draft) with validation and quote' },
  { id: 'listPortIns', method: 'GET', path: '/v1/port-ins', handler: 'api/port-ins/list', access: ALL, writes: false, summary: 'List port-in orders' },
  { id: 'getPortIn', method: 'GET', path: '/v1/port-ins/{id}', handler: 'api/port-ins/get', access: ALL, writes: false, summary: 'Read a port-in order' },
  { id: 'updatePortIn', method: 'PATCH', path: '/v1/port-ins/{id}', handler: 'api/port-ins/update', access: CUSTOMER_SIDE, writes: true, files: 'write', summary: 'Edit a draft or rejected order (JSON merge patch); a signed rejected order needs a new signature' },
  { id: 'submitPortIn', method: 'POST', path: '/v1/port-ins/{id}/submit', handler: 'api/port-ins/submit', access: CUSTOMER_SIDE, writes: true, files: 'write', summary: 'Submit the order: validation, porting fees charged, the LOA sent for signature' },
  { id: 'signPortIn', method: 'POST', path: '/v1/port-ins/{id}/signature', handler: 'api/port-ins/sign', access: CUSTOMER_SIDE, writes: true, files: 'write', summary: 'Sign the Letter of Authority (for clients with their own signing flow; the emailed link does the same)' },
  { id: 'requestSignature', method: 'POST', path: '/v1/port-ins/{id}/signing-requests', handler: 'api/port-ins/request-signature', access: CUSTOMER_SIDE, writes: true, files: 'write', summary: 'Email the signer a new signing link (the previous link stops working)' },
  { id: 'listPortInDocuments', method: 'GET', path: '/v1/port-ins/{id}/documents', handler: 'api/port-ins/documents/list', access: ALL, writes: false, files: 'read', summary: "The order's documents (LOAs, bill copies) with download links" },
  { id: 'uploadPortInDocument', method: 'POST', path: '/v1/port-ins/{id}/documents', handler: 'api/port-ins/documents/upload', access: CUSTOMER_SIDE, writes: true, files: 'write', summary: 'Upload a bill copy or other document (PDF, PNG, JPEG)' },
  { id: 'getPortInDocument', method: 'GET', path: '/v1/port-ins/{id}/documents/{documentId}', handler: 'api/port-ins/documents/get', access: ALL, writes: false, files: 'read', summary: 'One document with a download link' },
  { id: 'postCarrierEvent', method: 'POST', path: '/v1/port-ins/{id}/carrier-events', handler: 'api/port-ins/carrier-event', access: ['operator', 'carrier'], writes: true, summary: "Record the losing carrier's answer" },
  { id: 'resubmitPortIn', method: 'POST', path: '/v1/port-ins/{id}/resubmit', handler: 'api/port-ins/resubmit', access: CUSTOMER_SIDE, writes: true, summary: 'Resubmit a rejected order' },
  { id: 'cancelPortIn', method: 'POST', path: '/v1/port-ins/{id}/cancel', handler: 'api/port-ins/cancel', access: CUSTOMER_SIDE, writes: true, summary: 'Cancel the order and charge the cancellation fee' },
  { id: 'listPortInEvents', method: 'GET', path: '/v1/port-ins/{id}/events', handler: 'api/port-ins/events', access: ALL, writes: false, summary: "The order's timeline" },

  // Port-outs: a gaining carrier asks us to release numbers; the customer sees its account's, cannot cancel them.
  { id: 'createPortOut', method: 'POST', path: '/v1/port-outs', handler: 'api/port-outs/create', access: ['operator', 'carrier'], writes: true, summary: 'Request a port-out (gaining carrier): accepted, or rejected with a code' },
  { id: 'listPortOuts', method: 'GET', path: '/v1/port-outs', handler: 'api/port-outs/list', access: ALL, writes: false, summary: 'List port-outs (a carrier its own, a customer its account\'s)' },
  { id: 'getPortOut', method: 'GET', path: '/v1/port-outs/{id}', handler: 'api/port-outs/get', access: ALL, writes: false, summary: 'Read a port-out' },
  { id: 'postPortOutCarrierEvent', method: 'POST', path: '/v1/port-outs/{id}/carrier-events', handler: 'api/port-outs/carrier-event', access: ['operator', 'carrier'], writes: true, summary: "Record the gaining carrier's completion or withdrawal" },
  { id: 'cancelPortOut', method: 'POST', path: '/v1/port-outs/{id}/cancel', handler: 'api/port-outs/cancel', access: CUSTOMER_SIDE, writes: false, summary: 'Always refused (409): an accepted port-out cannot be cancelled; says what to do instead' },
  { id: 'listPortOutEvents', method: 'GET', path: '/v1/port-outs/{id}/events', handler: 'api/port-outs/events', access: ALL, writes: false, summary: "The port-out's timeline" },

  { id: 'createWebhook', method: 'POST', path: '/v1/webhooks', handler: 'api/webhooks/create', access: CUSTOMER_SIDE, writes: true, summary: 'Register a webhook endpoint (its signing secret is shown once)' },
  { id: 'listWebhooks', method: 'GET', path: '/v1/webhooks', handler: 'api/webhooks/list', access: CUSTOMER_SIDE, writes: false, summary: "List an account's webhooks" },
  { id: 'getWebhook', method: 'GET', path: '/v1/webhooks/{id}', handler: 'api/webhooks/get', access: CUSTOMER_SIDE, writes: false, summary: 'Read a webhook' },
  { id: 'deleteWebhook', method: 'DELETE', path: '/v1/webhooks/{id}', handler: 'api/webhooks/delete', access: CUSTOMER_SIDE, writes: true, summary: 'Delete a webhook' },
  { id: 'listWebhookDeliveries', method: 'GET', path: '/v1/webhooks/{id}/deliveries', handler: 'api/webhooks/deliveries', access: CUSTOMER_SIDE, writes: false, summary: "A webhook's deliveries and their attempts" },

  { id: 'listInboundEmails', method: 'GET', path: '/v1/inbound-emails', handler: 'api/inbound-emails/list', access: BACK_OFFICE, writes: false, summary: 'List messages received at the porting mailbox (e.g. the quarantine)' },
  { id: 'getInboundEmail', method: 'GET', path: '/v1/inbound-emails/{id}', handler: 'api/inbound-emails/get', access: BACK_OFFICE, writes: false, summary: 'Read a received message: headers, text, attachments, reason, link to the raw message' },
  { id: 'applyInboundEmail', method: 'POST', path: '/v1/inbound-emails/{id}/apply', handler: 'api/inbound-emails/apply', access: BACK_OFFICE, writes: true, summary: "Apply an operator's reading of a quarantined message to an order" },
  { id: 'dismissInboundEmail', method: 'POST', path: '/v1/inbound-emails/{id}/dismiss', handler: 'api/inbound-emails/dismiss', access: BACK_OFFICE, writes: true, summary: 'Close a quarantined message without applying it' },

  // The signing page: the emailed link's secret is the credential (public to API Gateway).
  { id: 'signingPage', method: 'GET', path: '/sign/{token}', handler: 'pages/signing/view', access: 'public', writes: false, kind: 'page', summary: 'The Letter of Authority signing page' },
  { id: 'signingDocument', method: 'GET', path: '/sign/{token}/document', handler: 'pages/signing/document', access: 'public', writes: false, files: 'read', kind: 'page', summary: 'The LOA the link is for (PDF; the signed one once signed)' },
  { id: 'signWithLink', method: 'POST', path: '/sign/{token}', handler: 'pages/signing/sign', access: 'public', writes: true, files: 'write', kind: 'page', summary: 'Sign from the signing page (form post)' },
  { id: 'renewSigningLink', method: 'POST', path: '/sign/{token}/renew', handler: 'pages/signing/renew', access: 'public', writes: true, files: 'write', kind: 'page', summary: 'Email the signer a fresh link after this one expired' },
];

/** The Lambda authorizer's handler module. */
export const AUTHORIZER_HANDLER = 'api/authorizer';
