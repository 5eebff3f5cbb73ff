// Emails to the operators who run the porting desk: an overdue port, a workflow step that failed.
// Written in the order market's language by default (the brief's rule for every email); pass
// `language: 'en'` for an English-speaking desk that handles every market.
import { daysBetween } from '../rules/calendar.ts';
import type { IsoDate, OrderException, PortInOrder } from '../rules/types.ts';
import { orderFooter } from './copy.ts';
import { orderReference, orderUrl, subjectReference, type OrderLinks } from './common.ts';
import { countOf, formatCount, formatDate, formatInstant, styleFor, type Language } from './format.ts';
import { render, type Block, type ComposedEmail } from './layout.ts';

/** The losing carrier as the operator knows it. */
export interface CarrierRef {
  id: string;
  name?: string | null;
}

/** A live order past its due date (`order.dueDate`), as found by the scheduled check. */
export interface OverdueEmailInput {
  order: PortInOrder;
  links: OrderLinks;
  /** Default: `order.details.carrierId` with no name. */
  carrier?: CarrierRef;
  /** Market date today: days overdue = today − due date. */
  today: IsoDate;
  language?: Language;
}

/** A workflow step that kept failing (after its retries): `order.exception` or the given one. */
export interface ExceptionEmailInput {
  order: PortInOrder;
  links: OrderLinks;
  /** Default: `order.exception`. */
  exception?: OrderException;
  language?: Language;
}

const carrierText = (carrier: CarrierRef | undefined, order: PortInOrder, none: string): string => {
  const id = carrier?.id ?? order.details.carrierId;
  if (!id) return none;
  return carrier?.name ? `${carrier.name} (${id})` : id;
};

export function overdueEmail(input: OverdueEmailInput): ComposedEmail {
  const { order, links, today } = input;
  if (!order.dueDate) throw new Error(`Order ${order.id} has no due date`);
  const style = styleFor(order.market, input.language);
  const fr = style.language === 'fr';
  const ref = orderReference(order.id);
  const late = Math.max(0, daysBetween(order.dueDate, today));
  const days = countOf(late, fr ? 'jour' : 'day', fr ? 'jours' : 'days', style);
  const carrier = carrierText(input.carrier, order, fr ? 'aucun' : 'none');
  const rows: Array<readonly [string, string]> = fr
    ? [
        ['Demande', ref],
        ['Marché', order.market],
        ['Statut', order.status],
        ['Opérateur cédant', carrier],
        ['Date de début', order.commencementDate ? formatDate(order.commencementDate, style) : '—'],
        ['Échéance', formatDate(order.dueDate, style)],
        ['Retard', days],
        ['Numéros', formatCount(order.lines.length, style)],
      ]
    : [
        ['Order', ref],
        ['Market', order.market],
        ['Status', order.status],
        ['Losing carrier', carrier],
        ['Commencement date', order.commencementDate ? formatDate(order.commencementDate, style) : '—'],
        ['Due date', formatDate(order.dueDate, style)],
        ['Days overdue', days],
        ['Numbers', formatCount(order.lines.length, style)],
      ];
  if (order.transferDate) rows.splice(6, 0, [fr ? 'Date de portage' : 'Transfer date', formatDate(order.transferDate, style)]);
  const blocks: Block[] = [
    { kind: 'heading', text: fr ? 'Portabilité en retard' : 'Port-in overdue' },
    {
      kind: 'paragraph',
      text: fr
        ? `La demande ${ref} (${order.market}) n’est pas terminée : l’échéance du ${formatDate(order.dueDate, style)} est dépassée de ${days}. Relancez l’opérateur cédant.`
        : `Order ${ref} (${order.market}) has not completed: it is ${days} past its due date of ${formatDate(order.dueDate, style)}. Chase the losing carrier.`,
    },
    { kind: 'facts', rows },
    { kind: 'link', label: fr ? 'Voir la demande' : 'View the order', url: orderUrl(links, order.id) },
  ];
  const subject = fr
    ? `Portabilité en retard de ${days} (${order.market}, ${carrier}) ${subjectReference(order.id)}`
    : `Port-in overdue by ${days} (${order.market}, ${carrier}) ${subjectReference(order.id)}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}

export function exceptionEmail(input: ExceptionEmailInput): ComposedEmail {
  const { order, links } = input;
  const exception = input.exception ?? order.exception;
  if (!exception) throw new Error(`Order ${order.id} has no workflow exception`);
  const style = styleFor(order.market, input.language);
  const fr = style.language === 'fr';
  const ref = orderReference(order.id);
  const blocks: Block[] = [
    { kind: 'heading', text: fr ? 'Échec d’une étape du traitement' : 'Workflow step failed' },
    {
      kind: 'paragraph',
      text: fr
        ? `L’étape « ${exception.step} » de la demande ${ref} a échoué après toutes ses tentatives. La demande attend une intervention.`
        : `The step "${exception.step}" of order ${ref} failed after all its retries. The order needs someone to look at it.`,
    },
    {
      kind: 'facts',
      rows: fr
        ? [
            ['Demande', ref],
            ['Marché', order.market],
            ['Statut', order.status],
            ['Étape', exception.step],
            ['Erreur', exception.error],
            ['Survenue le', formatInstant(exception.at, style)],
          ]
        : [
            ['Order', ref],
            ['Market', order.market],
            ['Status', order.status],
            ['Step', exception.step],
            ['Error', exception.error],
            ['At', formatInstant(exception.at, style)],
          ],
    },
    { kind: 'paragraph', text: [{ strong: fr ? 'Cause :' : 'Cause:' }] },
    { kind: 'preformatted', text: exception.cause },
    { kind: 'link', label: fr ? 'Voir la demande' : 'View the order', url: orderUrl(links, order.id) },
  ];
  const subject = fr
    ? `Échec de l’étape ${exception.step} : ${exception.error} ${subjectReference(order.id)}`
    : `Workflow step ${exception.step} failed: ${exception.error} ${subjectReference(order.id)}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}
