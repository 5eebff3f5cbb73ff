// Emails to a losing carrier's porting desk: the port-in request, and its corrected resubmission.
// The request carries the customer's PIN when one was given: the carrier needs it to authorise the
// port. Never log these emails' text or HTML.
import { policyFor } from '../rules/markets.ts';
import type { PortInOrder } from '../rules/types.ts';
import { accountHolderName, addressLines, numbersByLine, orderReference, orderUrl, subjectReference, type OrderLinks } from './common.ts';
import { orderFooter } from './copy.ts';
import { countOf, formatCount, formatDate, formatInstant, styleFor, type EmailStyle } from './format.ts';
import { render, type Block, type ComposedEmail } from './layout.ts';

/** An order going to the losing carrier (`status` `submitted`, signed, with a commencement date). */
export interface CarrierSubmissionEmailInput {
  order: PortInOrder;
  links: OrderLinks;
  /** The losing carrier the email goes to. */
  carrier: { id: string; name: string };
  /** Our customer's account name (the gaining side's customer), when it differs from the account holder. */
  accountName?: string | null;
  /** The files the email carries, by file name: the signed LOA (null: none) and the bill copies. */
  attached?: { signedLoa: string | null; billCopies: string[] };
}

export function carrierSubmissionEmail(input: CarrierSubmissionEmailInput): ComposedEmail {
  return carrierEmail(input, false);
}

/** The same request again after the customer corrected a rejected order (`order.lastRejection` set). */
export function carrierResubmissionEmail(input: CarrierSubmissionEmailInput): ComposedEmail {
  return carrierEmail(input, true);
}

function carrierEmail(input: CarrierSubmissionEmailInput, resubmission: boolean): ComposedEmail {
  const { order, links, carrier } = input;
  const style = styleFor(order.market);
  const fr = style.language === 'fr';
  const ref = orderReference(order.id);
  const holder = accountHolderName(order.details.accountHolder) ?? (fr ? 'non renseigné' : 'not given');
  const numbers = countOf(order.lines.length, fr ? 'numéro' : 'number', fr ? 'numéros' : 'numbers', style);
  const rows = summaryRows(input, style, holder);
  const rejection = order.lastRejection;
  const blocks: Block[] = [
    {
      kind: 'heading',
      text: resubmission
        ? fr
          ? 'Demande de portabilité corrigée (nouvelle soumission)'
          : 'Corrected port-in request (resubmission)'
        : fr
          ? 'Demande de portabilité'
          : 'Port-in request',
    },
    {
      kind: 'paragraph',
      text: fr
        ? `Bonjour ${carrier.name}, nous vous demandons le portage de ${numbers} vers notre réseau, pour le titulaire ${holder}.`
        : `Hello ${carrier.name}, we request the port of ${numbers} to our network for the account holder ${holder}.`,
    },
  ];
  const attachments = attachedNotice(input, style);
  if (attachments) blocks.push(attachments);
  if (resubmission && rejection) {
    blocks.push({
      kind: 'notice',
      tone: 'info',
      label: fr ? 'Nouvelle soumission' : 'Resubmission',
      text: fr
        ? `Vous avez rejeté cette demande le ${formatDate(rejection.rejectedOn, style)} (${rejection.reasonCode} : ${rejection.reason}). Le client l’a corrigée ; voici la demande complète, à jour.`
        : `You rejected this order on ${formatDate(rejection.rejectedOn, style)} (${rejection.reasonCode}: ${rejection.reason}). The customer has corrected it; the full, updated request follows.`,
    });
  }
  blocks.push(
    { kind: 'facts', rows },
    ...numbersByLine(order, style.language, (label, count) =>
      fr ? `${label}\u00a0: ${countOf(count, 'numéro', 'numéros', style)}` : `${label}: ${countOf(count, 'number', 'numbers', style)}`,
    ),
    {
      kind: 'notice',
      tone: 'info',
      label: fr ? 'Réponses' : 'Replies',
      text: fr
        ? `Gardez la référence [${ref}] dans l’objet de chaque réponse (rejet avec code et motif, date de portage, fin du portage), ou répondez par notre API.`
        : `Keep the reference [${ref}] in the subject of every reply (rejection with reason code and text, transfer date, completion), or answer through our API.`,
    },
    { kind: 'link', label: fr ? 'La demande (API)' : 'The order (API)', url: orderUrl(links, order.id) },
  );
  const subject = fr
    ? `Demande de portabilité ${subjectReference(order.id)}${resubmission ? ' – nouvelle soumission corrigée' : ''} – ${numbers} – ${holder}`
    : `Port-in request ${subjectReference(order.id)}${resubmission ? ' – corrected resubmission' : ''} – ${numbers} – ${holder}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}

/** Says what is attached, so the porting desk knows the signed LOA and bill copies came with the request. */
function attachedNotice(input: CarrierSubmissionEmailInput, style: EmailStyle): Block | null {
  const loa = input.attached?.signedLoa ?? null;
  const bills = input.attached?.billCopies ?? [];
  if (loa === null && bills.length === 0) return null;
  const fr = style.language === 'fr';
  const billText = bills.length > 0 ? `${countOf(bills.length, fr ? 'copie de facture' : 'bill copy', fr ? 'copies de facture' : 'bill copies', style)} (${bills.join(', ')})` : '';
  let text: string;
  if (loa !== null) {
    text = fr ? `Le mandat signé est joint (${loa})` : `The signed Letter of Authority is attached (${loa})`;
    if (bills.length > 0) text += fr ? `, avec ${billText}` : `, with ${billText}`;
    text += '.';
  } else {
    text = fr ? `Pièces jointes\u00a0: ${billText}.` : `Attached: ${billText}.`;
  }
  return { kind: 'notice', tone: 'info', label: fr ? 'Pièces jointes' : 'Attachments', text };
}

function summaryRows(input: CarrierSubmissionEmailInput, style: EmailStyle, holder: string): Array<readonly [string, string | string[]]> {
  const { order } = input;
  const fr = style.language === 'fr';
  const d = order.details;
  const none = fr ? 'non renseigné' : 'not given';
  const signature = order.signature;
  const requestedBy = signature
    ? fr
      ? `${signature.signerName}, mandat signé le ${formatInstant(signature.at, style)}`
      : `${signature.signerName}, Letter of Authority signed ${formatInstant(signature.at, style)}`
    : none;
  const rows: Array<readonly [string, string | string[]]> = [
    [fr ? 'Notre référence' : 'Our reference', orderReference(order.id)],
    [fr ? 'Titulaire' : 'Account holder', holder],
  ];
  if (input.accountName && input.accountName !== holder) rows.push([fr ? 'Client' : 'Customer', input.accountName]);
  const address = addressLines(d.serviceAddress, order.market);
  rows.push(
    [fr ? 'Adresse d’installation' : 'Service address', address.length > 0 ? address : none],
    [fr ? 'N° de compte chez vous' : 'Account number with you', d.losingCarrierAccountNumber ?? none],
  );
  // The PIN authorises the port: the carrier needs it. It is in this email only, never in a log.
  if (d.pin) rows.push([fr ? 'Code (RIO / PIN)' : 'PIN / passcode', d.pin]);
  rows.push([fr ? 'Numéros' : 'Numbers', formatCount(order.lines.length, style)]);
  if (policyFor(order.market).auPlanAndServiceChecks) rows.push(['Category', order.category === 'standard' ? 'Standard' : 'Complex']);
  if (d.primaryNumber) rows.push([fr ? 'Numéro principal' : 'Primary number', d.primaryNumber]);
  if (d.internetConnection) rows.push([fr ? 'Accès internet' : 'Internet connection', d.internetConnection]);
  if (order.commencementDate) rows.push([fr ? 'Date de la demande' : 'Commencement date', formatDate(order.commencementDate, style)]);
  rows.push(
    [fr ? 'Demandé par' : 'Requested by', requestedBy],
    [fr ? 'Contact client' : 'Customer contact', d.submitterEmail ?? none],
  );
  return rows;
}
