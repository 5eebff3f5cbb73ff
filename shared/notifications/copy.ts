// Wording shared by several emails, in English and French.
import type { Market } from '../rules/types.ts';
import type { Language } from './format.ts';

/** What a customer should do about a carrier's rejection, for the reason codes carriers commonly use. */
const REJECTION_ADVICE: Readonly<Record<Language, Record<string, string>>> = {
  en: {
    account_number_mismatch:
      'The account number does not match the losing carrier’s records. Copy it exactly from a recent bill from your current provider: the account number, not an invoice or customer reference number.',
    name_mismatch:
      'The account holder name must match the name on the account with your current provider exactly, including the legal form (for example “Pty Ltd” or “Ltd”). Check it against a recent bill.',
    address_mismatch:
      'The service address must be the address where the lines are installed, exactly as your current provider has it on record: not a postal or billing address.',
    pin_invalid:
      'The PIN or passcode for your account with your current provider is wrong or has expired. Ask your current provider for the porting PIN or passcode and enter it again.',
    number_not_on_account:
      'At least one number is not on the account you named. The numbers of a submitted order cannot change: if some numbers are on another account, cancel this order and place one order per account.',
    service_type_mismatch:
      'The line type (PSTN, ISDN, mobile or digital) or the services on a line (such as line hunt or EFTPOS) do not match what your current provider has. Check each number against a recent bill.',
  },
  fr: {
    account_number_mismatch:
      'Le numéro de compte ne correspond pas à celui de l’opérateur actuel. Recopiez-le exactement depuis une facture récente : le numéro de compte client, pas un numéro de facture.',
    name_mismatch:
      'Le nom du titulaire doit être exactement celui du contrat chez votre opérateur actuel, forme juridique comprise (par exemple « SARL » ou « SAS »). Vérifiez-le sur une facture récente.',
    address_mismatch:
      'L’adresse doit être celle où les lignes sont installées, telle que votre opérateur actuel l’a enregistrée : pas une adresse postale ou de facturation.',
    pin_invalid:
      'Le code d’identification (RIO ou code PIN) est erroné ou a expiré. Demandez-le de nouveau à votre opérateur actuel (pour le RIO : 3179 depuis la ligne concernée) et saisissez-le.',
    number_not_on_account:
      'Au moins un numéro ne figure pas sur le compte indiqué. Les numéros d’une demande soumise ne peuvent plus changer : si certains sont sur un autre compte, annulez cette demande et faites une demande par compte.',
    service_type_mismatch:
      'Le type de ligne (RTC, RNIS, mobile ou numérique) ou les services d’une ligne ne correspondent pas à ceux de votre opérateur actuel. Vérifiez chaque numéro sur une facture récente.',
  },
};

const GENERIC_ADVICE: Readonly<Record<Language, string>> = {
  en: 'Compare every detail of the order (account holder, service address, account number, PIN, line types) with a recent bill from your current provider, correct what differs, and resubmit. If the reason is unclear, ask your current provider what their records show.',
  fr: 'Comparez chaque information de la demande (titulaire, adresse, numéro de compte, code, types de ligne) avec une facture récente de votre opérateur actuel, corrigez ce qui diffère et soumettez de nouveau. Si le motif n’est pas clair, demandez à votre opérateur actuel ce qu’il a enregistré.',
};

/** The reason codes with a specific sentence (others get the generic advice). */
export const KNOWN_REJECTION_CODES: readonly string[] = Object.keys(REJECTION_ADVICE.en);

export function rejectionAdvice(reasonCode: string, language: Language): string {
  const table = REJECTION_ADVICE[language];
  return Object.hasOwn(table, reasonCode) ? (table[reasonCode] as string) : GENERIC_ADVICE[language];
}

/** How prices are qualified: "incl. GST" (AU), "TTC" (FR), nothing where prices are as configured (GB). */
export function taxQualifier(market: Market, language: Language): string {
  if (market === 'AU') return language === 'fr' ? 'TTC' : 'incl. GST';
  if (market === 'FR') return language === 'fr' ? 'TTC' : 'incl. VAT';
  return '';
}

export const withTax = (amount: string, market: Market, language: Language): string => {
  const tax = taxQualifier(market, language);
  return tax ? `${amount} ${tax}` : amount;
};

/** The closing lines of every order email. */
export function orderFooter(reference: string, language: Language): string[] {
  return language === 'fr'
    ? [`Référence ${reference}. Si vous répondez, gardez [${reference}] dans l’objet du message.`, 'PortDesk, service portabilité']
    : [`Reference ${reference}. If you reply, keep [${reference}] in the subject line.`, 'PortDesk porting desk'];
}
