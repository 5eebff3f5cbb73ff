// Emails to the customer who submitted a port-in order: rejection, transfer date, completion,
// cancellation, withdrawal and (GB) late-transfer compensation.
import { addDays } from '../rules/calendar.ts';
import { resubmissionDeadline } from '../rules/deadlines.ts';
import type { CancellationStage } from '../rules/fees.ts';
import { policyFor } from '../rules/markets.ts';
import { scaleMoney, sumMoney } from '../rules/money.ts';
import type { Compensation, IsoDate, Money, PortInOrder, Rejection } from '../rules/types.ts';
import { orderFooter, rejectionAdvice, withTax } from './copy.ts';
import { orderNumbersOf, orderReference, orderUrl, subjectReference, type OrderLinks } from './common.ts';
import { countOf, formatCount, formatDate, formatDeadline, formatInstant, formatMoney, marketDateOf, styleFor, type EmailStyle } from './format.ts';
import { render, type Block, type ComposedEmail } from './layout.ts';

// ---- inputs ----------------------------------------------------------------------------------------

/** Base of every customer email: the order as stored after the change, and where its page is. */
export interface OrderEmailInput {
  order: PortInOrder;
  links: OrderLinks;
}

/** After a first carrier rejection: `order.status` `rejected`, with `lastRejection` and `resubmitBy`. */
export interface RejectionEmailInput extends OrderEmailInput {
  /**
   * The rejection fee charged for this rejection (AU), or null when none. Default: the order's
   * `rejection_fee` charge made at the rejection's instant.
   */
  feeCharged?: Money | null;
}

/** After the carrier set or changed the transfer date (`order.transferDate`). */
export interface TransferDateEmailInput extends OrderEmailInput {
  /** The date it replaces, when the carrier changed it; null or absent for a first date. */
  previousTransferDate?: IsoDate | null;
}

/** FR: the test call placed to a ported number after completion. */
export interface TestCallResult {
  number: string;
  /** Whether the call was answered on our network. */
  answered: boolean;
}

/** After completion: `order.completedOn` and (GB) `order.finalCompensation` are set. */
export interface CompletionEmailInput extends OrderEmailInput {
  /** FR: the test call's result; absent or null when none was made. */
  testCall?: TestCallResult | null;
  /**
   * FR: what became of the temporary number. Default: from `order.details.temporaryNumber`
   * (`keepAsVirtual` → kept, otherwise released); null for none.
   */
  temporaryNumber?: { number: string; outcome: 'released' | 'kept' } | null;
}

/** After cancellation: the stage the order had reached and the fee charged (0 when free). */
export interface CancellationEmailInput extends OrderEmailInput {
  stage: CancellationStage;
  fee: Money;
  /** When it was cancelled; default `order.updatedAt`. */
  cancelledAt?: string;
}

export type WithdrawalReason = 'second_rejection' | 'resubmission_deadline_passed';

/** After withdrawal (final): rejected again after a resubmission, or the resubmission deadline passed. */
export interface WithdrawalEmailInput extends OrderEmailInput {
  reason: WithdrawalReason;
  /** For a second rejection: the fee charged for it (AU). Default: as for the rejection email. */
  feeCharged?: Money | null;
}

/** GB: the confirmed transfer date passed without completion, and compensation now accrues. */
export interface CompensationStartedEmailInput extends OrderEmailInput {
  /** The live compensation (`lateTransferCompensation` / `viewOrder(...).compensation`), eligible. */
  compensation: Compensation;
  /** Market date the amount so far is counted to (today). */
  asOf: IsoDate;
}

// ---- helpers ---------------------------------------------------------------------------------------

interface Ctx {
  order: PortInOrder;
  style: EmailStyle;
  fr: boolean;
  ref: string;
  subjectRef: string;
  url: string;
  /** "3 numbers" / "3 numéros", for sentences. */
  numbers: string;
  /** "3" / "5 000", for facts. */
  count: string;
}

function ctxOf(input: OrderEmailInput): Ctx {
  const { order, links } = input;
  const style = styleFor(order.market);
  const fr = style.language === 'fr';
  return {
    order,
    style,
    fr,
    ref: orderReference(order.id),
    subjectRef: subjectReference(order.id),
    url: orderUrl(links, order.id),
    numbers: countOf(order.lines.length, fr ? 'numéro' : 'number', fr ? 'numéros' : 'numbers', style),
    count: formatCount(order.lines.length, style),
  };
}

const money = (c: Ctx, m: Money): string => withTax(formatMoney(m, c.style), c.order.market, c.style.language);

function finish(c: Ctx, subject: string, blocks: Block[]): ComposedEmail {
  blocks.push({ kind: 'link', label: c.fr ? 'Voir la demande' : 'View the order', url: c.url });
  return render({ style: c.style, subject, blocks, footer: orderFooter(c.ref, c.style.language) });
}

function requireRejection(order: PortInOrder): Rejection {
  if (!order.lastRejection) throw new Error(`Order ${order.id} has no rejection to tell about`);
  return order.lastRejection;
}

/** The rejection fee charged at the rejection's instant, if any. */
function rejectionFeeCharged(order: PortInOrder, rejection: Rejection): Money | null {
  return order.charges.find((c) => c.kind === 'rejection_fee' && c.at === rejection.at)?.amount ?? null;
}

/** Fee lines for a rejection: "A$20.00 incl. GST per number × 3 numbers = A$60.00 incl. GST". */
function rejectionFeeBlock(c: Ctx, fee: Money | null): Block[] {
  if (fee === null || fee.amountMinor === 0) return [];
  const perNumber = policyFor(c.order.market).rejectionFeePerNumber;
  const count = c.order.lines.length;
  const each =
    perNumber !== null && perNumber.currency === fee.currency && perNumber.amountMinor * count === fee.amountMinor ? perNumber : null;
  const total = money(c, fee);
  const text = c.fr
    ? each
      ? `${money(c, each)} par numéro × ${c.numbers} = ${total}, facturés sur votre compte.`
      : `${total}, facturés sur votre compte.`
    : each
      ? `${money(c, each)} per number × ${c.numbers} = ${total}, charged to your account.`
      : `${total}, charged to your account.`;
  return [{ kind: 'facts', rows: [[c.fr ? 'Frais de rejet' : 'Rejection fee', text]] }];
}

// ---- rejection ---------------------------------------------------------------------------------------

export function rejectionEmail(input: RejectionEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const rejection = requireRejection(c.order);
  if (!c.order.resubmitBy) throw new Error(`Order ${c.order.id} has no resubmission deadline`);
  const deadline = formatDeadline(c.order.resubmitBy, c.style);
  const fee = input.feeCharged === undefined ? rejectionFeeCharged(c.order, rejection) : input.feeCharged;
  const advice = rejectionAdvice(rejection.reasonCode, c.style.language);
  const rejectedOn = formatDate(rejection.rejectedOn, c.style);
  const blocks: Block[] = c.fr
    ? [
        { kind: 'heading', text: 'Votre demande de portabilité a été rejetée' },
        { kind: 'paragraph', text: `L’opérateur actuel a rejeté votre demande de portabilité (${c.numbers}) le ${rejectedOn}.` },
        {
          kind: 'facts',
          rows: [
            ['Demande', c.ref],
            ['Code du motif', rejection.reasonCode],
            ['Motif indiqué', rejection.reason],
          ],
        },
        { kind: 'paragraph', text: [{ strong: 'À corriger : ' }, advice] },
        {
          kind: 'notice',
          tone: 'warning',
          label: 'Date limite',
          text: ['Corrigez la demande et soumettez-la de nouveau avant le ', { strong: deadline }, '. Passé ce délai, la demande est retirée.'],
        },
        { kind: 'paragraph', text: 'Vous pouvez corriger toutes les informations sauf les numéros. Si la demande corrigée est de nouveau rejetée, elle est retirée définitivement et il faudra en créer une nouvelle.' },
        ...rejectionFeeBlock(c, fee),
      ]
    : [
        { kind: 'heading', text: 'Your port-in order was rejected' },
        { kind: 'paragraph', text: `The losing carrier rejected your port-in order for ${c.numbers} on ${rejectedOn}.` },
        {
          kind: 'facts',
          rows: [
            ['Order', c.ref],
            ['Reason code', rejection.reasonCode],
            ['Reason given', rejection.reason],
          ],
        },
        { kind: 'paragraph', text: [{ strong: 'What to fix: ' }, advice] },
        {
          kind: 'notice',
          tone: 'warning',
          label: 'Deadline',
          text: ['Correct the order and resubmit it by ', { strong: deadline }, '. If you do not, the order is withdrawn.'],
        },
        { kind: 'paragraph', text: 'You can correct every detail except the numbers. If the corrected order is rejected again, it is withdrawn for good and you would need to start a new order.' },
        ...rejectionFeeBlock(c, fee),
      ];
  const subject = c.fr
    ? `Demande de portabilité rejetée : à corriger avant le ${formatDate(deadlineDay(c), c.style)} ${c.subjectRef}`
    : `Port-in order rejected: correct it by ${formatDate(deadlineDay(c), c.style)} ${c.subjectRef}`;
  return finish(c, subject, blocks);
}

/** The last market day of the resubmission window (the deadline is exclusive: 00:00 the day after). */
const deadlineDay = (c: Ctx): IsoDate => marketDateOf(new Date(Date.parse(c.order.resubmitBy as string) - 1), c.style);

// ---- transfer date -------------------------------------------------------------------------------

export function transferDateEmail(input: TransferDateEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const date = c.order.transferDate;
  if (!date) throw new Error(`Order ${c.order.id} has no transfer date`);
  const when = formatDate(date, c.style);
  const dayBefore = formatDate(addDays(date, -1), c.style);
  const previous = input.previousTransferDate ? formatDate(input.previousTransferDate, c.style) : null;
  const keepActive = policyFor(c.order.market).warnKeepServiceActive;
  const blocks: Block[] = c.fr
    ? [
        { kind: 'heading', text: previous ? 'La date de portage a changé' : 'Date de portage fixée' },
        {
          kind: 'paragraph',
          text: previous
            ? ['L’opérateur actuel a déplacé la date de portage de vos ', c.numbers, ' du ', previous, ' au ', { strong: when }, '.']
            : ['L’opérateur actuel a fixé la date de portage de vos ', c.numbers, ' au ', { strong: when }, '.'],
        },
        { kind: 'facts', rows: [['Demande', c.ref], ['Date de portage', when], ['Numéros', c.count]] },
        { kind: 'paragraph', text: `L’opérateur peut encore modifier cette date jusqu’à la veille, le ${dayBefore} inclus ; nous vous écrirons s’il le fait. À partir du jour même, elle est confirmée.` },
        ...(keepActive
          ? [{ kind: 'notice', tone: 'warning', label: 'Important', text: 'Gardez votre service actuel actif jusqu’à ce que nous vous confirmions la fin du portage. Le résilier avant peut faire perdre les numéros.' } as const]
          : []),
      ]
    : [
        { kind: 'heading', text: previous ? 'Your transfer date has changed' : 'Your transfer date is set' },
        {
          kind: 'paragraph',
          text: previous
            ? ['The losing carrier moved the transfer date of your ', c.numbers, ' from ', previous, ' to ', { strong: when }, '.']
            : ['The losing carrier set the transfer date of your ', c.numbers, ': ', { strong: when }, '.'],
        },
        { kind: 'facts', rows: [['Order', c.ref], ['Transfer date', when], ['Numbers', c.count]] },
        { kind: 'paragraph', text: `The carrier may still change this date until the day before, ${dayBefore}; we will email you if it does. From the transfer date itself, it is confirmed.` },
        ...(keepActive
          ? [{ kind: 'notice', tone: 'warning', label: 'Important', text: 'Keep your current service active until we confirm that the port is complete. Cancelling it earlier can lose you the numbers.' } as const]
          : []),
      ];
  const subject = c.fr
    ? `${previous ? 'Nouvelle date de portage' : 'Date de portage'} : ${when} ${c.subjectRef}`
    : `${previous ? 'Transfer date changed' : 'Transfer date'}: ${when} ${c.subjectRef}`;
  return finish(c, subject, blocks);
}

// ---- completion ---------------------------------------------------------------------------------------

export function completionEmail(input: CompletionEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const completedOn = c.order.completedOn;
  if (!completedOn) throw new Error(`Order ${c.order.id} is not completed`);
  const when = formatDate(completedOn, c.style);
  const numbers = orderNumbersOf(c.order);
  const compensation = c.order.finalCompensation;
  const temporary =
    input.temporaryNumber !== undefined
      ? input.temporaryNumber
      : c.order.details.temporaryNumber
        ? { number: c.order.details.temporaryNumber.number, outcome: c.order.details.temporaryNumber.keepAsVirtual ? ('kept' as const) : ('released' as const) }
        : null;
  const additionalFee = policyFor(c.order.market).additionalNumberMonthlyFee;
  const blocks: Block[] = [];
  if (c.fr) {
    blocks.push(
      { kind: 'heading', text: 'Portabilité terminée' },
      {
        kind: 'paragraph',
        text:
          c.order.lines.length === 1
            ? ['La portabilité de votre ', c.numbers, ' est terminée depuis le ', { strong: when }, '. Il est actif sur notre réseau.']
            : ['La portabilité de vos ', c.numbers, ' est terminée depuis le ', { strong: when }, '. Ils sont actifs sur notre réseau.'],
      },
      { kind: 'facts', rows: [['Demande', c.ref], ['Date de fin', when], ['Numéros', c.count]] },
      { kind: 'numbers', caption: 'Numéros portés', numbers },
    );
    if (input.testCall) {
      blocks.push({
        kind: 'paragraph',
        text: input.testCall.answered
          ? ['Appel de test vers ', input.testCall.number, ' : ', { strong: 'réussi' }, ', l’appel aboutit sur notre réseau.']
          : ['Appel de test vers ', input.testCall.number, ' : ', { strong: 'échec' }, '. Notre équipe vérifie et vous recontacte.'],
      });
    }
    if (temporary) {
      blocks.push({
        kind: 'paragraph',
        text:
          temporary.outcome === 'kept'
            ? `Le numéro temporaire ${temporary.number} est conservé comme numéro virtuel, à votre demande ; il est facturé comme numéro supplémentaire${additionalFee ? ` (${formatMoney(additionalFee, c.style)} TTC par mois)` : ''}.`
            : `Le numéro temporaire ${temporary.number} a été libéré ; il n’est plus facturé.`,
      });
    }
  } else {
    blocks.push(
      { kind: 'heading', text: 'Your port-in is complete' },
      { kind: 'paragraph', text: ['Your ', c.numbers, ' moved to us on ', { strong: when }, c.order.lines.length === 1 ? ' and is now active on our network.' : ' and are now active on our network.'] },
      { kind: 'facts', rows: [['Order', c.ref], ['Completed on', when], ['Numbers', c.count]] },
      { kind: 'numbers', caption: 'Numbers ported in', numbers },
    );
    if (input.testCall) {
      blocks.push({
        kind: 'paragraph',
        text: input.testCall.answered
          ? ['Test call to ', input.testCall.number, ': ', { strong: 'passed' }, ', it was answered on our network.']
          : ['Test call to ', input.testCall.number, ': ', { strong: 'failed' }, '. Our team is looking into it and will contact you.'],
      });
    }
    if (temporary) {
      blocks.push({
        kind: 'paragraph',
        text:
          temporary.outcome === 'kept'
            ? `As you asked, the temporary number ${temporary.number} stays as a virtual number, billed as an additional number${additionalFee ? ` (${formatMoney(additionalFee, c.style)} a month incl. VAT)` : ''}.`
            : `The temporary number ${temporary.number} has been released and is no longer billed.`,
      });
    }
  }
  if (compensation?.eligible) {
    const amount = money(c, compensation.amount);
    const days = countOf(compensation.daysLate, c.fr ? 'jour' : 'day', c.fr ? 'jours' : 'days', c.style);
    const from = compensation.accruesFrom ? formatDate(compensation.accruesFrom, c.style) : null;
    blocks.push({
      kind: 'notice',
      tone: 'info',
      label: c.fr ? 'Indemnisation' : 'Compensation due',
      text: c.fr
        ? ['Le portage a été tardif : ', { strong: amount }, ` pour ${days} de retard${from ? ` (depuis le ${from})` : ''}. Ce montant sera crédité sur votre compte.`]
        : ['The transfer was late: you are due ', { strong: amount }, ` for ${days} late${from ? ` (counted from ${from})` : ''}. We will credit it to your account.`],
    });
  }
  blocks.push({
    kind: 'notice',
    tone: 'warning',
    label: c.fr ? 'À faire maintenant' : 'Now, and only now',
    text: c.fr
      ? 'Vous pouvez maintenant résilier le service chez votre ancien opérateur pour ces numéros. Faites-le seulement maintenant : jamais pour une portabilité encore en cours, sous peine de perdre les numéros.'
      : 'You can now cancel the service for these numbers with your previous provider. Do it only now that the port is complete: cancelling while a port is still in progress can lose you the numbers.',
  });
  const subject = c.fr ? `Portabilité terminée : ${c.numbers} actifs ${c.subjectRef}` : `Port-in complete: ${c.numbers} now active ${c.subjectRef}`;
  return finish(c, subject, blocks);
}

// ---- cancellation -----------------------------------------------------------------------------------

const STAGES = {
  en: {
    free: 'as a draft, before it was submitted',
    beforeCarrier: 'after it was submitted, before it went to the losing carrier',
    withCarrier: 'while it was with the losing carrier, before the transfer date',
    onTransferDate: 'on the transfer date',
    afterTransferDate: 'after the transfer date, before the port completed',
  },
  fr: {
    free: 'à l’état de brouillon, avant sa soumission',
    beforeCarrier: 'après sa soumission, avant son envoi à l’opérateur actuel',
    withCarrier: 'pendant son traitement par l’opérateur actuel, avant la date de portage',
    onTransferDate: 'le jour même de la date de portage',
    afterTransferDate: 'après la date de portage, avant la fin du portage',
  },
} as const satisfies Record<'en' | 'fr', Record<CancellationStage, string>>;

export function cancellationEmail(input: CancellationEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const at = formatInstant(input.cancelledAt ?? c.order.updatedAt, c.style);
  const stage = STAGES[c.style.language][input.stage];
  const paid = c.order.charges.filter((ch) => ch.kind === 'porting_fee' || ch.kind === 'port_back_fee').map((ch) => ch.amount);
  const portingPaid = paid.length > 0 ? sumMoney(paid[0]!.currency, paid) : null;
  const free = input.fee.amountMinor === 0;
  const fee = money(c, input.fee);
  const blocks: Block[] = c.fr
    ? [
        { kind: 'heading', text: 'Demande de portabilité annulée' },
        { kind: 'paragraph', text: `Votre demande de portabilité (${c.numbers}) a été annulée ${stage}.` },
        {
          kind: 'facts',
          rows: [
            ['Demande', c.ref],
            ['Annulée le', at],
            ['Frais d’annulation', free ? 'aucun' : fee],
          ],
        },
        { kind: 'paragraph', text: free ? 'Cette annulation est gratuite.' : [`Des frais d’annulation de `, { strong: fee }, ' sont facturés sur votre compte.'] },
        ...(portingPaid && portingPaid.amountMinor > 0
          ? [{ kind: 'paragraph', text: `Les frais de portabilité déjà facturés (${money(c, portingPaid)}) ne sont pas remboursés.` } as const]
          : []),
        { kind: 'paragraph', text: 'Vos numéros restent chez votre opérateur actuel ; votre service y continue sans changement.' },
      ]
    : [
        { kind: 'heading', text: 'Your port-in order is cancelled' },
        { kind: 'paragraph', text: `Your port-in order for ${c.numbers} was cancelled ${stage}.` },
        {
          kind: 'facts',
          rows: [
            ['Order', c.ref],
            ['Cancelled', at],
            ['Cancellation fee', free ? 'none' : fee],
          ],
        },
        { kind: 'paragraph', text: free ? 'There is no charge for this cancellation.' : ['A cancellation fee of ', { strong: fee }, ' is charged to your account.'] },
        ...(portingPaid && portingPaid.amountMinor > 0
          ? [{ kind: 'paragraph', text: `The porting fees already charged (${money(c, portingPaid)}) are not refunded.` } as const]
          : []),
        { kind: 'paragraph', text: 'Your numbers stay with your current provider, and your service there carries on unchanged.' },
      ];
  const subject = c.fr ? `Demande de portabilité annulée ${c.subjectRef}` : `Port-in order cancelled ${c.subjectRef}`;
  return finish(c, subject, blocks);
}

// ---- withdrawal ---------------------------------------------------------------------------------------

export function withdrawalEmail(input: WithdrawalEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const rejection = requireRejection(c.order);
  const rejectedOn = formatDate(rejection.rejectedOn, c.style);
  const blocks: Block[] = [];
  if (input.reason === 'second_rejection') {
    const fee = input.feeCharged === undefined ? rejectionFeeCharged(c.order, rejection) : input.feeCharged;
    blocks.push(
      { kind: 'heading', text: c.fr ? 'Demande de portabilité retirée' : 'Your port-in order is withdrawn' },
      {
        kind: 'paragraph',
        text: c.fr
          ? `L’opérateur actuel a de nouveau rejeté votre demande corrigée (${c.numbers}) le ${rejectedOn}. Un second rejet retire la demande.`
          : `The losing carrier rejected your corrected order for ${c.numbers} again on ${rejectedOn}. A second rejection withdraws the order.`,
      },
      {
        kind: 'facts',
        rows: c.fr
          ? [['Demande', c.ref], ['Code du motif', rejection.reasonCode], ['Motif indiqué', rejection.reason]]
          : [['Order', c.ref], ['Reason code', rejection.reasonCode], ['Reason given', rejection.reason]],
      },
      ...rejectionFeeBlock(c, fee),
      { kind: 'paragraph', text: [{ strong: c.fr ? 'Pour la nouvelle demande : ' : 'For a new order: ' }, rejectionAdvice(rejection.reasonCode, c.style.language)] },
    );
  } else {
    const deadline = formatDeadline(resubmissionDeadline(c.order.market, rejection.rejectedOn), c.style);
    blocks.push(
      { kind: 'heading', text: c.fr ? 'Demande de portabilité retirée' : 'Your port-in order is withdrawn' },
      {
        kind: 'paragraph',
        text: c.fr
          ? `Votre demande (${c.numbers}), rejetée le ${rejectedOn}, n’a pas été corrigée et soumise de nouveau avant la date limite, le ${deadline}. Elle est donc retirée.`
          : `Your order for ${c.numbers}, rejected on ${rejectedOn}, was not corrected and resubmitted by the deadline (${deadline}), so it is withdrawn.`,
      },
      {
        kind: 'facts',
        rows: c.fr
          ? [['Demande', c.ref], ['Motif du rejet', `${rejection.reason} (${rejection.reasonCode})`]]
          : [['Order', c.ref], ['Rejection reason', `${rejection.reason} (${rejection.reasonCode})`]],
      },
    );
  }
  blocks.push({
    kind: 'notice',
    tone: 'info',
    label: c.fr ? 'Et maintenant' : 'What next',
    text: c.fr
      ? 'Une demande retirée est définitive et ne peut plus être soumise. Vos numéros restent chez votre opérateur actuel. Pour les porter, créez une nouvelle demande avec des informations corrigées.'
      : 'A withdrawn order is final and cannot be resubmitted. Your numbers stay with your current provider. To port them, start a new order with corrected details.',
  });
  const subject = c.fr ? `Demande de portabilité retirée : créez une nouvelle demande ${c.subjectRef}` : `Port-in order withdrawn: please start a new order ${c.subjectRef}`;
  return finish(c, subject, blocks);
}

// ---- compensation started (GB) ---------------------------------------------------------------------------

export function compensationStartedEmail(input: CompensationStartedEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const { compensation } = input;
  const confirmed = c.order.confirmedTransferDate ?? c.order.transferDate;
  if (!confirmed || !compensation.accruesFrom) throw new Error(`Order ${c.order.id} has no confirmed transfer date to compensate for`);
  const monthly = c.order.monthlyFee;
  const daily = scaleMoney(monthly, 12, 365); // shown rounded; the amount is computed exactly and rounded once
  const from = formatDate(compensation.accruesFrom, c.style);
  const asOf = formatDate(input.asOf, c.style);
  const days = countOf(compensation.daysLate, c.fr ? 'jour' : 'day', c.fr ? 'jours' : 'days', c.style);
  const amount = money(c, compensation.amount);
  const blocks: Block[] = c.fr
    ? [
        { kind: 'heading', text: 'Portage en retard : l’indemnisation a commencé' },
        { kind: 'paragraph', text: `La date de portage confirmée était le ${formatDate(confirmed, c.style)}. Le portage n’était pas terminé à la fin du jour ouvré suivant : une indemnisation court donc à partir du ${from}, jusqu’à la fin du portage.` },
        {
          kind: 'facts',
          rows: [
            ['Demande', c.ref],
            ['Date confirmée', formatDate(confirmed, c.style)],
            ['Indemnisation depuis le', from],
            ['Taux journalier', `abonnement mensuel × 12 ÷ 365 : ${formatMoney(monthly, c.style)} × 12 ÷ 365 ≈ ${formatMoney(daily, c.style)} par jour`],
            [`Au ${asOf}`, `${days}, ${amount}`],
          ],
        },
        { kind: 'paragraph', text: 'Le montant définitif est calculé à la date de fin du portage, arrondi une seule fois au centime, et crédité sur votre compte.' },
      ]
    : [
        { kind: 'heading', text: 'Late transfer: compensation has started' },
        { kind: 'paragraph', text: `Your confirmed transfer date was ${formatDate(confirmed, c.style)}. The port had not completed by the end of the next business day, so compensation accrues from ${from} until the port completes.` },
        {
          kind: 'facts',
          rows: [
            ['Order', c.ref],
            ['Confirmed transfer date', formatDate(confirmed, c.style)],
            ['Accrues from', from],
            ['Daily rate', `monthly subscription × 12 ÷ 365: ${formatMoney(monthly, c.style)} × 12 ÷ 365 ≈ ${formatMoney(daily, c.style)} a day`],
            [`So far (to ${asOf})`, `${days}, ${amount}`],
          ],
        },
        { kind: 'paragraph', text: 'The final amount is worked out on the completion date, rounded to the penny once, and credited to your account. You do not need to claim it.' },
      ];
  const subject = c.fr ? `Portage en retard : indemnisation depuis le ${from} ${c.subjectRef}` : `Late transfer: compensation accrues from ${from} ${c.subjectRef}`;
  return finish(c, subject, blocks);
}
