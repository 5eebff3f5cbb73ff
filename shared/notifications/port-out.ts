// Port-out emails (rulebook "Port-out"): to the account's administrator when a gaining carrier's
// request is accepted, completes or is withdrawn, and when a terminated account's numbers are
// released; to the gaining carrier, the answer to a request it sent by email.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { policyFor } from '../rules/markets.ts';
import type { IsoDate, Market, Money } from '../rules/types.ts';
import { orderReference, subjectReference } from './common.ts';
import { orderFooter, withTax } from './copy.ts';
import { countOf, formatCount, formatDate, formatMoney, styleFor, type EmailStyle, type Language } from './format.ts';
import { render, type Block, type ComposedEmail, type Inline } from './layout.ts';

// ---- inputs ----------------------------------------------------------------------------------------

interface PortOutAccount {
  id: string;
  name: string;
  market: Market;
}

/** To the administrator at once on acceptance. Subject and text carry `[PD-<pout id>]` (orderReference). */
export interface PortOutAcceptedEmailInput {
  account: PortOutAccount;
  portOut: { id: string; carrierName: string; requestedDate: IsoDate; authorizedName: string };
  /** Every number of the request, in request order; portedIn: it came to us by a port-in. */
  numbers: { e164: string; portedIn: boolean }[];
  /** Fee per number to port one back later (the account's portBackFee, else its porting fee); null: free. */
  portBackFee: Money | null;
  links?: { portOut?: string; portIns?: string };
}

/** To the administrator: the numbers left us; charges stop from completedOn. */
export interface PortOutCompletedEmailInput {
  account: PortOutAccount;
  portOut: { id: string; carrierName: string; completedOn: IsoDate };
  numbers: string[];
  /** FR: change in the monthly number charges (≤ 0); null elsewhere. */
  monthlyChargeChange: Money | null;
  links?: { portOut?: string; numbers?: string };
}

/** To the administrator: the gaining carrier withdrew; the numbers stay. */
export interface PortOutWithdrawnEmailInput {
  account: PortOutAccount;
  portOut: { id: string; carrierName: string; reason: string | null };
  numbers: string[];
}

/** To the administrator: the post-termination window ended; these numbers were released (lost). */
export interface NumbersReleasedEmailInput {
  account: PortOutAccount;
  terminationDate: IsoDate;
  releasedOn: IsoDate;
  numbers: string[];
}

/** To the gaining carrier that asked by email: accepted, or rejected with the code and what to fix. English unless market is FR. */
export interface PortOutAnswerEmailInput {
  market: Market | null;
  portOut: {
    id: string;
    status: 'accepted' | 'rejected';
    requestedDate: IsoDate;
    numbers: string[];
    rejection: { code: string; message: string; numbers: string[] } | null;
  };
}

// ---- helpers ---------------------------------------------------------------------------------------

const numbersWord = (n: number, style: EmailStyle): string =>
  countOf(n, style.language === 'fr' ? 'numéro' : 'number', style.language === 'fr' ? 'numéros' : 'numbers', style);

/** "(07) 3212 3456": how the account holder knows the number; as given when it is not a phone number. */
function nationalForm(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatNational() ?? e164;
}

const PORTED_IN_MARK: Readonly<Record<Language, string>> = { en: '← ported in to us', fr: '← arrivé par portabilité' };

/**
 * The numbers as a monospace table, one line each: national form, E.164, and a mark for those that
 * came to us by port-in. A few dozen bytes a number in each part, so 1,000 numbers stay small, and the
 * columns line up in the text part as in the HTML one.
 */
function numberTable(rows: ReadonlyArray<{ e164: string; portedIn?: boolean }>, style: EmailStyle): Block {
  const fr = style.language === 'fr';
  const header = { national: fr ? 'Numéro' : 'Number', e164: 'E.164' };
  const lines = rows.map((r) => ({ national: nationalForm(r.e164), e164: r.e164, mark: r.portedIn ? PORTED_IN_MARK[style.language] : '' }));
  const nationalWidth = Math.max([...header.national].length, ...lines.map((l) => [...l.national].length)) + 3;
  const e164Width = Math.max(header.e164.length, ...lines.map((l) => [...l.e164].length)) + 3;
  const row = (national: string, e164: string, mark: string) => `${national.padEnd(nationalWidth)}${e164.padEnd(e164Width)}${mark}`.trimEnd();
  return { kind: 'preformatted', text: [row(header.national, header.e164, ''), ...lines.map((l) => row(l.national, l.e164, l.mark))].join('\n') };
}

/** A caption for a number table: "Every number in the request (3):". */
const caption = (text: string, style: EmailStyle): Block => ({ kind: 'paragraph', text: { strong: style.language === 'fr' ? `${text} :` : `${text}:` } });

/** Money as the administrator is billed it: with the market's tax qualifier. */
const billed = (money: Money, style: EmailStyle): string => withTax(formatMoney(money, style), style.market, style.language);

/** A signed amount with a true minus sign: "−19,90 € TTC". */
const signedAmount = (money: Money, style: EmailStyle): string => {
  const text = billed({ ...money, amountMinor: Math.abs(money.amountMinor) }, style);
  return money.amountMinor < 0 ? `\u2212${text}` : `+${text}`;
};

function links(entries: ReadonlyArray<readonly [label: string, url: string | undefined]>): Block[] {
  return entries.flatMap(([label, url]) => (url ? [{ kind: 'link', label, url } as const] : []));
}

// ---- accepted ----------------------------------------------------------------------------------------

/** Above this many, the ported-in warning points to the marks in the table instead of naming them. */
const PORTED_IN_NAMED = 10;

export function portOutAcceptedEmail(input: PortOutAcceptedEmailInput): ComposedEmail {
  const { account, portOut, numbers, portBackFee } = input;
  const style = styleFor(account.market);
  const fr = style.language === 'fr';
  const ref = orderReference(portOut.id);
  const carrier = portOut.carrierName;
  const count = numbersWord(numbers.length, style);
  const requested = formatDate(portOut.requestedDate, style);
  const portedIn = numbers.filter((n) => n.portedIn);
  const fee = portBackFee && portBackFee.amountMinor > 0 ? billed(portBackFee, style) : null;

  const blocks: Block[] = [
    {
      kind: 'heading',
      text: fr ? 'Attention : des numéros vont quitter votre compte (portabilité sortante)' : 'Warning: numbers are being ported out of your account',
    },
    {
      kind: 'paragraph',
      text: fr
        ? ['L’opérateur receveur ', { strong: carrier }, ' a demandé la portabilité sortante de ', { strong: count }, ' du compte ', { strong: account.name }, `. Nous avons accepté la demande : sauf si ${carrier} la retire, ${numbers.length > 1 ? 'ces numéros quitteront' : 'ce numéro quittera'} notre réseau à la fin du portage et ${numbers.length > 1 ? 'leurs appels arriveront' : 'ses appels arriveront'} chez ${carrier}.`]
        : ['The gaining carrier ', { strong: carrier }, ' has asked to port ', { strong: count }, ' out of the account ', { strong: account.name }, `. We have accepted the request: unless ${carrier} withdraws it, ${numbers.length > 1 ? 'these numbers leave' : 'this number leaves'} our network when the port completes, and calls to ${numbers.length > 1 ? 'them' : 'it'} will go to ${carrier}.`],
    },
    {
      kind: 'facts',
      rows: fr
        ? [
            ['Portabilité sortante', ref],
            ['Compte', `${account.name} (${account.id})`],
            ['Opérateur receveur', carrier],
            ['Autorisée par', portOut.authorizedName],
            ['Date demandée', requested],
            ['Numéros', formatCount(numbers.length, style)],
            ...(portedIn.length > 0 ? [['Dont arrivés par portabilité', formatCount(portedIn.length, style)] as const] : []),
          ]
        : [
            ['Port-out', ref],
            ['Account', `${account.name} (${account.id})`],
            ['Gaining carrier', carrier],
            ['Authorised by', portOut.authorizedName],
            ['Requested date', requested],
            ['Numbers', formatCount(numbers.length, style)],
            ...(portedIn.length > 0 ? [['Came to us by port-in', formatCount(portedIn.length, style)] as const] : []),
          ],
    },
  ];

  if (portedIn.length > 0) {
    const named = portedIn.length <= PORTED_IN_NAMED ? portedIn.map((n) => nationalForm(n.e164)).join(', ') : null;
    const one = portedIn.length === 1;
    const which = fr
      ? `${one ? '1 de ces numéros est arrivé' : `${formatCount(portedIn.length, style)} de ces numéros sont arrivés`} chez nous par portabilité${named ? ` (${named})` : ', signalés dans la liste ci-dessous'}. `
      : `${one ? '1 of these numbers' : `${formatCount(portedIn.length, style)} of these numbers`} came to us by port-in${named ? ` (${named})` : ', marked in the list below'}. `;
    blocks.push({
      kind: 'notice',
      tone: 'warning',
      label: fr ? 'Numéros arrivés par portabilité' : 'Ported-in numbers',
      text: fr
        ? [which, { strong: `Leurs appels et fax entrants cesseront d’arriver chez nous dès qu’ils partiront.` }, ` Vérifiez que ce départ est bien voulu et que ${carrier} est prêt à les recevoir.`]
        : [which, { strong: `Their inbound calls and faxes stop reaching you through us as soon as they leave.` }, ` Check that this is what you want and that ${carrier} is ready to receive them.`],
    });
  }

  blocks.push(
    caption(fr ? `Tous les numéros de la demande (${formatCount(numbers.length, style)})` : `Every number in the request (${formatCount(numbers.length, style)})`, style),
    numberTable(numbers, style),
    {
      kind: 'notice',
      tone: 'warning',
      label: fr ? 'Non annulable' : 'Cannot be cancelled',
      text: fr
        ? 'Une portabilité sortante acceptée ne peut pas être annulée : c’est l’opérateur receveur qui l’a demandée, et nous sommes tenus de lui céder les numéros qu’il demande.'
        : 'An accepted port-out cannot be cancelled: the gaining carrier started it, and we must release the numbers it asks for.',
    },
    {
      kind: 'paragraph',
      text: fr
        ? [{ strong: 'S’il s’agit d’une erreur : ' }, `contactez ${carrier} sans attendre et demandez-lui de retirer sa demande de portabilité. S’il la retire, les numéros restent chez nous sans aucun changement, et nous vous le confirmerons par e-mail.`]
        : [{ strong: 'If this is a mistake: ' }, `contact ${carrier} at once and ask it to withdraw its port-out request. If it does, the numbers stay with us and nothing changes; we will confirm it by email.`],
    },
    {
      kind: 'paragraph',
      text: fr
        ? [
            { strong: 'Revenir plus tard : ' },
            'une fois partis, les numéros peuvent revenir chez nous par une nouvelle demande de portabilité entrante. ',
            ...(fee ? (['Des frais de retour de portabilité de ', { strong: `${fee} par numéro` }, ' s’appliquent.'] as Inline[]) : ['Le retour est gratuit : il n’y a pas de frais de retour de portabilité.']),
          ]
        : [
            { strong: 'Porting back later: ' },
            'once the numbers have left, you can bring them back with a new port-in order. ',
            ...(fee ? (['A port-back fee of ', { strong: `${fee} per number` }, ' applies.'] as Inline[]) : ['Porting back is free: there is no port-back fee.']),
          ],
    },
    ...links([
      [fr ? 'Voir la portabilité sortante' : 'View the port-out', input.links?.portOut],
      [fr ? 'Faire revenir des numéros (nouvelle demande de portabilité)' : 'Port numbers back (new port-in order)', input.links?.portIns],
    ]),
  );

  const subject = fr
    ? `Attention : portabilité sortante de ${count} vers ${carrier} (${account.name}) ${subjectReference(portOut.id)}`
    : `Warning: ${count} being ported out to ${carrier} (${account.name}) ${subjectReference(portOut.id)}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}

// ---- completed ---------------------------------------------------------------------------------------

export function portOutCompletedEmail(input: PortOutCompletedEmailInput): ComposedEmail {
  const { account, portOut, numbers, monthlyChargeChange } = input;
  const style = styleFor(account.market);
  const fr = style.language === 'fr';
  const ref = orderReference(portOut.id);
  const carrier = portOut.carrierName;
  const count = numbersWord(numbers.length, style);
  const on = formatDate(portOut.completedOn, style);
  const many = numbers.length > 1;

  const blocks: Block[] = [
    { kind: 'heading', text: fr ? 'Portabilité sortante terminée' : 'Port-out complete: numbers have left us' },
    {
      kind: 'paragraph',
      text: fr
        ? ['Le ', { strong: on }, ', ', { strong: count }, ` du compte ${account.name} ${many ? 'ont quitté' : 'a quitté'} notre réseau pour `, { strong: carrier }, `. ${many ? 'Ils ne figurent plus' : 'Il ne figure plus'} dans votre inventaire de numéros, et les appels et fax entrants vers ${many ? 'ces numéros' : 'ce numéro'} arrivent désormais chez ${carrier}.`]
        : ['On ', { strong: on }, ', ', { strong: count }, ` of the account ${account.name} left us for `, { strong: carrier }, `. ${many ? 'They are' : 'It is'} no longer in your number inventory, and inbound calls and faxes to ${many ? 'them' : 'it'} now reach ${carrier}.`],
    },
    {
      kind: 'facts',
      rows: fr
        ? [
            ['Portabilité sortante', ref],
            ['Opérateur receveur', carrier],
            ['Date de fin', on],
            ['Numéros', formatCount(numbers.length, style)],
            ['Fin de facturation', `à partir du ${on}`],
          ]
        : [
            ['Port-out', ref],
            ['Gaining carrier', carrier],
            ['Completed on', on],
            ['Numbers', formatCount(numbers.length, style)],
            ['Charges stop', `from ${on}`],
          ],
    },
    {
      kind: 'paragraph',
      text: fr
        ? `Les frais mensuels de ${many ? 'ces numéros' : 'ce numéro'} s’arrêtent à partir du ${on} : ${many ? 'ils ne vous sont' : 'il ne vous est'} plus facturé${many ? 's' : ''} à compter de ce jour.`
        : `Monthly charges for ${many ? 'these numbers' : 'this number'} stop from ${on}: you are not billed for ${many ? 'them' : 'it'} from that day.`,
    },
  ];
  if (monthlyChargeChange && monthlyChargeChange.amountMinor !== 0) {
    const change = signedAmount(monthlyChargeChange, style);
    blocks.push({
      kind: 'notice',
      tone: 'info',
      label: fr ? 'Votre facture mensuelle' : 'Your monthly bill',
      text: fr
        ? ['Évolution de vos frais de numéros supplémentaires : ', { strong: `${change} par mois` }, `, à partir du ${on}.`]
        : ['Change in your additional-number charges: ', { strong: `${change} a month` }, `, from ${on}.`],
    });
  } else if (monthlyChargeChange) {
    blocks.push({
      kind: 'paragraph',
      text: fr
        ? 'Le montant de votre abonnement mensuel ne change pas : ces numéros faisaient partie des numéros inclus dans vos postes.'
        : 'Your monthly subscription does not change: these numbers were among those included with your seats.',
    });
  }
  blocks.push(
    caption(fr ? `Numéros partis (${formatCount(numbers.length, style)})` : `Numbers ported out (${formatCount(numbers.length, style)})`, style),
    numberTable(numbers.map((e164) => ({ e164 })), style),
    {
      kind: 'paragraph',
      text: fr
        ? [{ strong: 'Revenir plus tard : ' }, 'un numéro parti peut revenir chez nous par une nouvelle demande de portabilité entrante ; les frais de retour de portabilité s’appliquent alors.']
        : [{ strong: 'Porting back later: ' }, 'a number that has left can come back to us with a new port-in order; the port-back fee then applies.'],
    },
    ...links([
      [fr ? 'Voir la portabilité sortante' : 'View the port-out', input.links?.portOut],
      [fr ? 'Voir vos numéros' : 'View your numbers', input.links?.numbers],
    ]),
  );
  const subject = fr
    ? `Portabilité sortante terminée : ${count} ${many ? 'partis' : 'parti'} chez ${carrier} le ${on} ${subjectReference(portOut.id)}`
    : `Port-out complete: ${count} left for ${carrier} on ${on} ${subjectReference(portOut.id)}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}

// ---- withdrawn ---------------------------------------------------------------------------------------

export function portOutWithdrawnEmail(input: PortOutWithdrawnEmailInput): ComposedEmail {
  const { account, portOut, numbers } = input;
  const style = styleFor(account.market);
  const fr = style.language === 'fr';
  const ref = orderReference(portOut.id);
  const carrier = portOut.carrierName;
  const count = numbersWord(numbers.length, style);
  const many = numbers.length > 1;
  const reason = portOut.reason?.trim() ? portOut.reason.trim() : null;

  const blocks: Block[] = [
    { kind: 'heading', text: fr ? 'Portabilité sortante retirée : rien ne change' : 'Port-out withdrawn: nothing changes' },
    {
      kind: 'paragraph',
      text: fr
        ? ['L’opérateur receveur ', { strong: carrier }, ' a retiré sa demande de portabilité sortante de ', { strong: count }, ` du compte ${account.name}.`]
        : ['The gaining carrier ', { strong: carrier }, ' has withdrawn its request to port ', { strong: count }, ` out of the account ${account.name}.`],
    },
    {
      kind: 'facts',
      rows: fr
        ? [['Portabilité sortante', ref], ['Opérateur receveur', carrier], ['Numéros', formatCount(numbers.length, style)], ...(reason ? [['Motif indiqué', reason] as const] : [])]
        : [['Port-out', ref], ['Gaining carrier', carrier], ['Numbers', formatCount(numbers.length, style)], ...(reason ? [['Reason given', reason] as const] : [])],
    },
    {
      kind: 'notice',
      tone: 'info',
      label: fr ? 'Aucun changement' : 'Nothing changes',
      text: fr
        ? `${many ? 'Les numéros restent' : 'Le numéro reste'} chez nous : votre service et votre facturation continuent comme avant. Vous n’avez rien à faire.`
        : `The ${many ? 'numbers stay' : 'number stays'} with us: your service and charges carry on as before. You do not need to do anything.`,
    },
    caption(fr ? `Numéros concernés (${formatCount(numbers.length, style)})` : `Numbers concerned (${formatCount(numbers.length, style)})`, style),
    numberTable(numbers.map((e164) => ({ e164 })), style),
  ];
  const subject = fr
    ? `Portabilité sortante retirée : ${many ? `vos ${count} restent` : `votre numéro reste`} chez nous ${subjectReference(portOut.id)}`
    : `Port-out withdrawn: ${many ? `your ${count} stay` : 'your number stays'} with us ${subjectReference(portOut.id)}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}

// ---- numbers released ------------------------------------------------------------------------------------

export function numbersReleasedEmail(input: NumbersReleasedEmailInput): ComposedEmail {
  const { account, numbers } = input;
  const style = styleFor(account.market);
  const fr = style.language === 'fr';
  const count = numbersWord(numbers.length, style);
  const many = numbers.length > 1;
  const terminated = formatDate(input.terminationDate, style);
  const released = formatDate(input.releasedOn, style);
  const window = policyFor(account.market).postTerminationPortabilityDays;
  const days = countOf(window, fr ? 'jour' : 'day', fr ? 'jours' : 'days', style);

  const blocks: Block[] = [
    { kind: 'heading', text: fr ? `${many ? 'Vos numéros ont été libérés' : 'Votre numéro a été libéré'}` : `Your ${many ? 'numbers have' : 'number has'} been released` },
    {
      kind: 'paragraph',
      text: fr
        ? ['Le compte ', { strong: account.name }, ' a été résilié le ', { strong: terminated }, '. ', window > 0 ? `Après la résiliation, les numéros restaient portables pendant ${days} ; ce délai est écoulé.` : 'Les numéros sont libérés dès la résiliation du compte : il n’y a pas de délai de portabilité après celle-ci.', ` Le ${released}, nous avons donc libéré ${many ? `les ${count} qui y restaient` : 'le numéro qui y restait'}.`]
        : ['The account ', { strong: account.name }, ' terminated on ', { strong: terminated }, '. ', window > 0 ? `After termination, its numbers stayed portable for ${days}; that porting window has ended.` : 'Numbers are released as soon as an account terminates: there is no porting window afterwards.', ` On ${released} we therefore released the ${many ? count : 'number'} still on it.`],
    },
    {
      kind: 'facts',
      rows: fr
        ? [['Compte', `${account.name} (${account.id})`], ['Date de résiliation', terminated], ['Délai après résiliation', window > 0 ? days : 'aucun'], ['Numéros libérés le', released], ['Numéros', formatCount(numbers.length, style)]]
        : [['Account', `${account.name} (${account.id})`], ['Termination date', terminated], ['Porting window after termination', window > 0 ? days : 'none'], ['Numbers released on', released], ['Numbers', formatCount(numbers.length, style)]],
    },
    {
      kind: 'notice',
      tone: 'warning',
      label: fr ? 'Définitif' : 'Final',
      text: fr
        ? `${many ? 'Ces numéros ne peuvent plus être portés' : 'Ce numéro ne peut plus être porté'} vers un autre opérateur, ni revenir chez nous : ${many ? 'ils sont définitivement perdus' : 'il est définitivement perdu'} pour ce compte. ${many ? 'Ils ne sont plus facturés' : 'Il n’est plus facturé'} depuis le ${released}.`
        : `${many ? 'These numbers' : 'This number'} can no longer be ported out to another carrier, nor ported back to us: ${many ? 'they are' : 'it is'} lost to the account for good. ${many ? 'They have' : 'It has'} not been billed since ${released}.`,
    },
    caption(fr ? `Numéros libérés (${formatCount(numbers.length, style)})` : `Numbers released (${formatCount(numbers.length, style)})`, style),
    numberTable(numbers.map((e164) => ({ e164 })), style),
  ];
  // An account email, not a port-out's: no [PD-…] reference.
  const subject = fr
    ? `Numéros libérés : ${count} du compte ${account.name} ${many ? 'ne sont plus portables' : 'n’est plus portable'}`
    : `Numbers released: ${count} of ${account.name} can no longer be ported`;
  const footer = fr ? [`Compte ${account.id}.`, 'PortDesk, service portabilité'] : [`Account ${account.id}.`, 'PortDesk porting desk'];
  return render({ style, subject, blocks, footer });
}

// ---- answer to the gaining carrier -----------------------------------------------------------------------

/** What a gaining carrier should change before it sends a new request, per rejection code. */
const REJECTION_ADVICE: Readonly<Record<Language, Record<string, string>>> = {
  en: {
    number_released:
      'These numbers were released after their account was terminated and its porting window ended: they can no longer be ported. Leave them out of any new request.',
    number_not_found:
      'These numbers are not in service with us (never ours, or already ported out). Check them with the customer and leave out those that are not ours.',
    account_mismatch:
      'The account number was missing or does not match the account holding the numbers, or the numbers are on more than one of our accounts. Ask the customer for the account number on their bill from us, and send one request per account.',
    pin_mismatch: 'The account is protected by a port-out PIN, and the PIN was missing or wrong. Ask the customer for their port-out PIN with us.',
    batch_required: 'In this market an account’s numbers are ported out in batches, not one at a time: name the account’s numbers together in one request.',
    number_in_active_order:
      'These numbers are held by another order in progress (a port-in or another port-out). Send a new request once that order has finished.',
  },
  fr: {
    number_released:
      'Ces numéros ont été libérés après la résiliation de leur compte et la fin de son délai de portabilité : ils ne sont plus portables. Retirez-les de toute nouvelle demande.',
    number_not_found:
      'Ces numéros ne sont pas en service chez nous (ils ne l’ont jamais été, ou ont déjà été portés ailleurs). Vérifiez-les auprès du client et retirez ceux qui ne sont pas chez nous.',
    account_mismatch:
      'Le numéro de compte est absent ou ne correspond pas au compte qui détient les numéros, ou les numéros sont répartis sur plusieurs de nos comptes. Demandez au client le numéro de compte figurant sur sa facture chez nous, et faites une demande par compte.',
    pin_mismatch: 'Le compte est protégé par un code de portabilité sortante, et ce code était absent ou erroné. Demandez-le au client.',
    batch_required: 'Sur ce marché, les numéros d’un compte sont portés par lots et non un par un : demandez les numéros du compte ensemble, dans une seule demande.',
    number_in_active_order:
      'Ces numéros font déjà l’objet d’une autre demande en cours (portabilité entrante ou sortante). Envoyez une nouvelle demande lorsque celle-ci sera terminée.',
  },
};

const GENERIC_ADVICE: Readonly<Record<Language, string>> = {
  en: 'Correct what the reason above says, then send a new request.',
  fr: 'Corrigez ce qu’indique le motif ci-dessus, puis envoyez une nouvelle demande.',
};

const adviceFor = (code: string, language: Language): string =>
  Object.hasOwn(REJECTION_ADVICE[language], code) ? (REJECTION_ADVICE[language][code] as string) : GENERIC_ADVICE[language];

export function portOutAnswerEmail(input: PortOutAnswerEmailInput): ComposedEmail {
  const { portOut } = input;
  // A request that matched no account names no market: English, with en-GB conventions.
  const style = styleFor(input.market ?? 'GB', input.market === 'FR' ? 'fr' : 'en');
  const fr = style.language === 'fr';
  const ref = orderReference(portOut.id);
  const count = numbersWord(portOut.numbers.length, style);
  const requested = formatDate(portOut.requestedDate, style);
  const blocks: Block[] = [];

  if (portOut.status === 'accepted') {
    blocks.push(
      { kind: 'heading', text: fr ? 'Demande de portabilité sortante acceptée' : 'Port-out request accepted' },
      {
        kind: 'paragraph',
        text: fr
          ? ['Nous avons accepté votre demande de portabilité sortante de ', { strong: count }, `, pour le ${requested}. Nous libérerons les numéros lorsque vous terminerez le portage.`]
          : ['We have accepted your port-out request for ', { strong: count }, `, requested for ${requested}. We will release the numbers when you complete the port.`],
      },
      {
        kind: 'facts',
        rows: fr
          ? [['Notre référence', ref], ['Statut', 'acceptée'], ['Date demandée', requested], ['Numéros', formatCount(portOut.numbers.length, style)]]
          : [['Our reference', ref], ['Status', 'accepted'], ['Requested date', requested], ['Numbers', formatCount(portOut.numbers.length, style)]],
      },
      { kind: 'numbers', caption: fr ? `Numéros (${formatCount(portOut.numbers.length, style)})` : `Numbers (${formatCount(portOut.numbers.length, style)})`, numbers: portOut.numbers },
      {
        kind: 'notice',
        tone: 'info',
        label: fr ? 'Fin du portage' : 'Completion',
        text: fr
          ? `Quand le portage est terminé, indiquez-nous sa date de fin par notre API (événement « completed » de cette portabilité sortante), ou répondez à ce message en gardant [${ref}] dans l’objet.`
          : `When the port is complete, tell us its completion date through our API (a “completed” event on this port-out), or reply to this email keeping [${ref}] in the subject.`,
      },
    );
  } else {
    const rejection = portOut.rejection;
    if (!rejection) throw new Error(`Port-out ${portOut.id} is rejected but has no rejection to tell about`);
    blocks.push(
      { kind: 'heading', text: fr ? 'Demande de portabilité sortante rejetée' : 'Port-out request rejected' },
      {
        kind: 'paragraph',
        text: fr
          ? ['Nous ne pouvons pas accepter votre demande de portabilité sortante de ', { strong: count }, `, demandée pour le ${requested}.`]
          : ['We cannot accept your port-out request for ', { strong: count }, `, requested for ${requested}.`],
      },
      {
        kind: 'facts',
        rows: fr
          ? [['Notre référence', ref], ['Statut', 'rejetée'], ['Code du motif', rejection.code], ['Motif', rejection.message]]
          : [['Our reference', ref], ['Status', 'rejected'], ['Rejection code', rejection.code], ['Reason', rejection.message]],
      },
    );
    if (rejection.numbers.length > 0) {
      const n = formatCount(rejection.numbers.length, style);
      blocks.push({ kind: 'numbers', caption: fr ? `Numéros concernés (${n})` : `Numbers concerned (${n})`, numbers: rejection.numbers });
    }
    blocks.push(
      { kind: 'paragraph', text: [{ strong: fr ? 'À corriger : ' : 'What to fix: ' }, adviceFor(rejection.code, style.language)] },
      {
        kind: 'notice',
        tone: 'info',
        label: fr ? 'Nouvelle demande' : 'New request',
        text: fr
          ? 'Une demande rejetée ne peut être ni modifiée ni renvoyée telle quelle, et ne retient aucun numéro. Envoyez une nouvelle demande corrigée, par notre API ou par un nouvel e-mail avec le mandat signé en pièce jointe : pas en réponse à ce message, car une réponse reste rattachée à la demande rejetée.'
          : 'A rejected request cannot be changed or resent as it is, and holds no numbers. Send a new, corrected request, through our API or as a new email with the signed Letter of Authority attached: not as a reply to this one, which stays attached to the rejected request.',
      },
    );
  }

  const subject =
    portOut.status === 'accepted'
      ? fr
        ? `Portabilité sortante acceptée ${subjectReference(portOut.id)} – ${count}`
        : `Port-out request accepted ${subjectReference(portOut.id)} – ${count}`
      : fr
        ? `Portabilité sortante rejetée (${portOut.rejection?.code}) ${subjectReference(portOut.id)} – ${count}`
        : `Port-out request rejected (${portOut.rejection?.code}) ${subjectReference(portOut.id)} – ${count}`;
  return render({ style, subject, blocks, footer: orderFooter(ref, style.language) });
}
