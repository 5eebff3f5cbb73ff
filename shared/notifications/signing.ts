// Emails to the account holder who must sign the order's Letter of Authority (FR: mandat de
// portabilité): the request (order submitted, order edited after signing, new link asked for) and
// the reminder after 3 days unsigned. The signing link signs for the customer: it is a credential,
// so never log these emails' text or HTML.
import { orderFooter } from './copy.ts';
import { orderNumbersOf, orderReference, subjectReference } from './common.ts';
import type { OrderEmailInput } from './customer.ts';
import { countOf, formatCount, formatDeadline, formatInstant, safeUrl, styleFor, type EmailStyle } from './format.ts';
import { render, type Block, type ComposedEmail, type Inline } from './layout.ts';

export type SigningReason = 'submitted' | 'order_edited' | 'renewed';

export interface SigningEmailInput extends OrderEmailInput {
  /** The link to the signing page; it is a credential: never log it. */
  signingUrl: string;
  /** ISO instant the link stops working (7 days after the request). */
  expiresAt: string;
  /** Whom we address: the account holder's business name or first + last name. */
  accountHolderName: string;
  /** Why this email: the order was just submitted, the order was edited after a rejection (the earlier signature is void), or a fresh link was asked for. */
  reason: SigningReason;
  /** The losing carrier's name, when known; otherwise the email says "your current provider". */
  carrierName?: string | null;
}

/** How many numbers the email lists before "and N more": enough to recognise the order. */
const NUMBERS_SHOWN = 5;

interface Ctx {
  input: SigningEmailInput;
  style: EmailStyle;
  fr: boolean;
  ref: string;
  url: string;
  expiry: string;
  /** "Bilby Telecom" or "your current provider" / "votre opérateur actuel". */
  carrier: string;
  /** Whether the carrier's name is known (a facts row only then). */
  carrierKnown: boolean;
  /** "3 numbers" / "3 numéros". */
  numbers: string;
}

function ctxOf(input: SigningEmailInput): Ctx {
  const { order } = input;
  // A link the reader cannot click is useless here, and anything but http(s) must never be a link.
  const url = safeUrl(input.signingUrl);
  if (url === null) throw new Error(`Order ${order.id}: the signing link is not an http(s) URL`);
  const style = styleFor(order.market);
  const fr = style.language === 'fr';
  const name = input.carrierName?.trim();
  return {
    input,
    style,
    fr,
    ref: orderReference(order.id),
    url,
    expiry: formatInstant(input.expiresAt, style),
    carrier: name ? name : fr ? 'votre opérateur actuel' : 'your current provider',
    carrierKnown: Boolean(name),
    numbers: countOf(order.lines.length, fr ? 'numéro' : 'number', fr ? 'numéros' : 'numbers', style),
  };
}

/** The first few numbers, then "… and 4,995 more" / "… et 4 995 autres". */
function numberLines(c: Ctx): string[] {
  const all = orderNumbersOf(c.input.order);
  const shown = all.slice(0, NUMBERS_SHOWN);
  const rest = all.length - shown.length;
  if (rest > 0) shown.push(c.fr ? `… et ${formatCount(rest, c.style)} autre${rest > 1 ? 's' : ''}` : `… and ${formatCount(rest, c.style)} more`);
  return shown;
}

function factsBlock(c: Ctx): Block {
  const count = formatCount(c.input.order.lines.length, c.style);
  const rows: Array<readonly [string, string | string[]]> = c.fr
    ? [
        ['Demande', c.ref],
        ['Titulaire', c.input.accountHolderName],
        ...(c.carrierKnown ? [['Opérateur actuel', c.carrier] as const] : []),
        [`Numéros (${count})`, numberLines(c)],
      ]
    : [
        ['Order', c.ref],
        ['Account holder', c.input.accountHolderName],
        ...(c.carrierKnown ? [['Current provider', c.carrier] as const] : []),
        [`Numbers (${count})`, numberLines(c)],
      ];
  return { kind: 'facts', rows };
}

/** After an edit: the earlier signature is void; and, while the order is rejected, the resubmission deadline. */
function editedBlocks(c: Ctx): Block[] {
  if (c.input.reason !== 'order_edited') return [];
  return [
    {
      kind: 'notice',
      tone: 'info',
      label: c.fr ? 'Demande modifiée' : 'Order changed',
      text: c.fr
        ? 'Votre demande a été modifiée après la signature du mandat : l’ancienne signature ne vaut plus. Signez le nouveau mandat, qui reprend les informations à jour de la demande.'
        : 'Your order was changed after the Letter of Authority was signed, so the earlier signature no longer counts. Please sign the new Letter of Authority, which has the order’s current details.',
    },
  ];
}

/** Set only while the order is rejected: the corrected order must be signed and resubmitted in time. */
function deadlineBlocks(c: Ctx): Block[] {
  const resubmitBy = c.input.order.resubmitBy;
  if (!resubmitBy) return [];
  const deadline = formatDeadline(resubmitBy, c.style);
  return [
    {
      kind: 'notice',
      tone: 'warning',
      label: c.fr ? 'Date limite' : 'Deadline',
      text: c.fr
        ? ['La demande corrigée doit être signée et soumise de nouveau avant le ', { strong: deadline }, '. Passé ce délai, elle est retirée.']
        : ['The corrected order must be signed and resubmitted by ', { strong: deadline }, '. If it is not, the order is withdrawn.'],
    },
  ];
}

function closingBlocks(c: Ctx): Block[] {
  const name = c.input.accountHolderName;
  return c.fr
    ? [
        { kind: 'notice', tone: 'warning', label: 'Important', text: ['Votre demande ne peut pas être envoyée à ', c.carrier, ' tant que le mandat n’est pas signé. Le lien fonctionne jusqu’au ', { strong: c.expiry }, ' ; ensuite, demandez-nous un nouveau lien.'] },
        { kind: 'paragraph', text: `Ce lien est personnel : il signe au nom de ${name}. Ne transférez pas ce message.` },
        { kind: 'paragraph', text: 'Si vous n’attendiez pas ce message, ignorez-le et ne signez rien ; prévenez notre service client en répondant à ce message.' },
      ]
    : [
        { kind: 'notice', tone: 'warning', label: 'Important', text: ['Your order cannot go to ', c.carrier, ' until the Letter of Authority is signed. The link works until ', { strong: c.expiry }, '; after that, ask us for a new link.'] },
        { kind: 'paragraph', text: `This link is personal: it signs for ${name}. Do not forward this email.` },
        { kind: 'paragraph', text: 'If you did not expect this email, ignore it and do not sign anything; let our support team know by replying to this email.' },
      ];
}

function compose(c: Ctx, subject: string, heading: string, intro: Inline[]): ComposedEmail {
  const blocks: Block[] = [
    { kind: 'heading', text: heading },
    { kind: 'paragraph', text: c.fr ? `Bonjour ${c.input.accountHolderName},` : `Hello ${c.input.accountHolderName},` },
    { kind: 'paragraph', text: intro },
    ...editedBlocks(c),
    factsBlock(c),
    { kind: 'link', label: c.fr ? 'Consulter et signer le mandat' : 'Review and sign the Letter of Authority', url: c.url },
    ...deadlineBlocks(c),
    ...closingBlocks(c),
  ];
  return render({ style: c.style, subject: `${subject} ${subjectReference(c.input.order.id)}`, blocks, footer: orderFooter(c.ref, c.style.language) });
}

// ---- request --------------------------------------------------------------------------------------

export function signingRequestEmail(input: SigningEmailInput): ComposedEmail {
  const c = ctxOf(input);
  const purpose: Inline[] = c.fr
    ? [`Pour envoyer à ${c.carrier} la demande de portage de ${c.numbers}, nous avons besoin de votre signature, en tant que titulaire, sur le `, { strong: 'mandat de portabilité' }, ` de la demande ${c.ref}.`]
    : [`To send the port request for your ${c.numbers} to ${c.carrier}, we need you, as the account holder, to sign the `, { strong: 'Letter of Authority' }, ` for order ${c.ref}.`];
  switch (input.reason) {
    case 'submitted':
      return c.fr
        ? compose(c, 'Signature du mandat de portabilité requise', 'Signez votre mandat de portabilité', purpose)
        : compose(c, 'Please sign the Letter of Authority for your port-in order', 'Please sign your Letter of Authority', purpose);
    case 'order_edited':
      return c.fr
        ? compose(c, 'Demande modifiée : signez le nouveau mandat de portabilité', 'Demande modifiée : signez le nouveau mandat', purpose)
        : compose(c, 'Order changed: please sign the new Letter of Authority', 'Order changed: please sign the new Letter of Authority', purpose);
    case 'renewed':
      return c.fr
        ? compose(c, 'Nouveau lien pour signer le mandat de portabilité', 'Votre nouveau lien de signature', [
            ...purpose,
            ' Comme demandé, voici un nouveau lien ; les liens des messages précédents ne fonctionnent plus.',
          ])
        : compose(c, 'New link to sign your Letter of Authority', 'Your new signing link', [
            ...purpose,
            ' As requested, here is a new link; links in earlier emails no longer work.',
          ]);
  }
}

// ---- reminder (3 days unsigned) ----------------------------------------------------------------------

export function signingReminderEmail(input: SigningEmailInput): ComposedEmail {
  const c = ctxOf(input);
  return c.fr
    ? compose(c, 'Rappel : mandat de portabilité à signer', 'Rappel : votre mandat de portabilité n’est pas encore signé', [
        'Vous n’avez pas encore signé le ',
        { strong: 'mandat de portabilité' },
        ` de la demande ${c.ref} (${c.numbers}). Le lien ci-dessous ouvre le même mandat que notre précédent message ; nous ne pouvons pas envoyer la demande de portage à ${c.carrier} avant votre signature.`,
      ])
    : compose(c, 'Reminder: your Letter of Authority is not signed yet', 'Reminder: you have not signed the Letter of Authority yet', [
        'You have not signed the ',
        { strong: 'Letter of Authority' },
        ` for order ${c.ref} (${c.numbers}) yet. The link below opens the same Letter of Authority as our earlier email; we cannot send the port request to ${c.carrier} until you sign it.`,
      ]);
}
