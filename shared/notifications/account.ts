// Emails to an account's administrator: the termination warning.
import { addDays } from '../rules/calendar.ts';
import { policyFor } from '../rules/markets.ts';
import type { IsoDate, Market } from '../rules/types.ts';
import { countOf, formatCount, formatDate, styleFor } from './format.ts';
import { render, type Block, type ComposedEmail } from './layout.ts';

/**
 * The account's termination date is less than 2 months away and numbers are still active on it.
 * Not an order email: its subject carries no `[PD-…]` order reference.
 */
export interface TerminationWarningEmailInput {
  account: { id: string; name: string; market: Market };
  terminationDate: IsoDate;
  /** Numbers still active on the account (not yet ported out). */
  remainingNumbers: number;
  /** Where the administrator sees the account's numbers; absent: no link. */
  links?: { numbers?: string };
}

export function terminationWarningEmail(input: TerminationWarningEmailInput): ComposedEmail {
  const { account, terminationDate, remainingNumbers } = input;
  const style = styleFor(account.market);
  const fr = style.language === 'fr';
  const window = policyFor(account.market).postTerminationPortabilityDays;
  const terminates = formatDate(terminationDate, style);
  const numbers = countOf(remainingNumbers, fr ? 'numéro' : 'number', fr ? 'numéros' : 'numbers', style);
  const lastDay = window > 0 ? formatDate(addDays(terminationDate, window), style) : null;
  const blocks: Block[] = [
    { kind: 'heading', text: fr ? 'Résiliation du compte : des numéros restent à porter' : 'Account termination: numbers still to port out' },
    {
      kind: 'paragraph',
      text: fr
        ? ['Le compte ', { strong: account.name }, ' sera résilié le ', { strong: terminates }, `. ${numbers} y ${remainingNumbers > 1 ? 'sont' : 'est'} encore ${remainingNumbers > 1 ? 'actifs' : 'actif'}.`]
        : ['The account ', { strong: account.name }, ' terminates on ', { strong: terminates }, `. ${numbers} ${remainingNumbers === 1 ? 'is' : 'are'} still active on it.`],
    },
    {
      kind: 'facts',
      rows: fr
        ? [
            ['Compte', `${account.name} (${account.id})`],
            ['Date de résiliation', terminates],
            ['Numéros restants', formatCount(remainingNumbers, style)],
            ['Délai après résiliation', lastDay ? `${countOf(window, 'jour', 'jours', style)}, jusqu’au ${lastDay}` : 'aucun'],
          ]
        : [
            ['Account', `${account.name} (${account.id})`],
            ['Termination date', terminates],
            ['Numbers remaining', formatCount(remainingNumbers, style)],
            ['Porting window after termination', lastDay ? `${countOf(window, 'day', 'days', style)}, until ${lastDay}` : 'none'],
          ],
    },
    {
      kind: 'notice',
      tone: 'warning',
      label: fr ? 'À faire' : 'Action needed',
      text: fr
        ? lastDay
          ? `Pour garder ces numéros, demandez à votre nouvel opérateur de les porter avant la résiliation. Après le ${terminates}, ils restent portables ${countOf(window, 'jour', 'jours', style)}, jusqu’au ${lastDay} ; ensuite ils sont libérés et perdus.`
          : `Pour garder ces numéros, demandez à votre nouvel opérateur de les porter avant le ${terminates}. Ils sont libérés dès la résiliation.`
        : lastDay
          ? `To keep these numbers, ask your new provider to port them out before the termination date. After ${terminates} they stay portable for ${countOf(window, 'day', 'days', style)}, until ${lastDay}; then they are released and lost to you.`
          : `To keep these numbers, ask your new provider to port them out before ${terminates}. They are released as soon as the account terminates: there is no porting window afterwards.`,
    },
  ];
  const link = input.links?.numbers;
  if (link) blocks.push({ kind: 'link', label: fr ? 'Voir les numéros du compte' : 'View the account’s numbers', url: link });
  const subject = fr
    ? `Résiliation le ${terminates} : ${numbers} à porter (${account.name})`
    : `Account terminates on ${terminates}: ${numbers} still to port out (${account.name})`;
  const footer = fr ? [`Compte ${account.id}.`, 'PortDesk, service portabilité'] : [`Account ${account.id}.`, 'PortDesk porting desk'];
  return render({ style, subject, blocks, footer });
}
