// Every word the Letter of Authority and its signature certificate print, in one table keyed by
// market, so the legal wording can be reviewed in one place. AU follows the customer authority of
// Australian local number portability (Communications Alliance C540): the customer authorises the
// gaining provider to port the numbers and acknowledges that the services on them end with the losing
// carrier. GB follows the UK letter of authority: the gaining provider requests the port from the
// losing provider; the old service stays live until the port completes. FR is the French "mandat de
// portabilité": the new operator makes the request to the current one, and the port terminates the
// contract for the ported numbers. The seeds (shared/seeds/) are the source texts. The file names are
// here too: the certificate prints them.
import type { Market } from '../rules/types.ts';

/** File name of an order's LOA: `LOA-pin_x.pdf`, signed `LOA-pin_x-signed.pdf` (printed in the certificate too). */
export const loaFilename = (orderId: string, signed: boolean): string =>
  `LOA-${orderId.replace(/[^A-Za-z0-9_-]/g, '_')}${signed ? '-signed' : ''}.pdf`;

/** The names the clauses speak of. */
export interface Parties {
  provider: string;
  losingCarrier: string;
  accountNumber: string;
}

export interface LoaWording {
  title: string;
  subtitle: (p: Parties) => string;
  labels: {
    provider: string;
    customer: string;
    accountHolder: string;
    serviceAddress: string;
    losingCarrier: string;
    accountNumber: string;
    issuedOn: string;
    signerEmail: string;
    numberCount: string;
  };
  particularsHeading: string;
  authorityHeading: string;
  /** The authority, one clause per paragraph, numbered in print. */
  clauses: (p: Parties) => string[];
  numbersHeading: string;
  /** Where the numbers are when they do not fit on the letter's page. */
  numbersInSchedule: (count: string) => string;
  scheduleHeading: string;
  scheduleContinued: string;
  columns: { index: string; national: string; e164: string; lineType: string; services: string };
  /** Shown in the services column of a line with none. */
  noServices: string;
  signatureHeading: string;
  signatureLines: { name: string; signature: string; date: string };
  signatureNote: (signerEmail: string) => string;
  footer: (orderId: string, requestId: string) => string;
  pageOf: (page: number, pages: number) => string;
  certificate: {
    title: string;
    intro: (pages: number) => string;
    signer: string;
    signerEmail: string;
    signedAtUtc: string;
    signedAtMarket: string;
    channel: string;
    channels: { signing_page: string; api: string };
    ip: string;
    userAgent: string;
    notRecorded: string;
    sha256: string;
    orderId: string;
    requestId: string;
    verifyHeading: string;
    verify: (filename: string, unsignedBytes: string) => string;
    documentTitle: string;
    subject: (orderId: string) => string;
  };
  documentSubject: (orderId: string) => string;
}

const ENGLISH_COMMON = {
  labels: {
    provider: 'Gaining provider',
    customer: 'Customer',
    accountHolder: 'Account holder',
    serviceAddress: 'Service address',
    losingCarrier: 'Losing carrier',
    accountNumber: 'Account number at losing carrier',
    issuedOn: 'Date of issue',
    signerEmail: 'To be signed by',
    numberCount: 'Numbers to port',
  },
  particularsHeading: 'Particulars',
  authorityHeading: 'Authority',
  numbersHeading: 'Numbers to port',
  numbersInSchedule: (count: string) =>
    `The ${count} numbers to port are listed in the schedule of numbers that follows this page, which forms part of this letter.`,
  scheduleHeading: 'Schedule of numbers',
  scheduleContinued: 'Schedule of numbers (continued)',
  columns: { index: '#', national: 'Number', e164: 'E.164', lineType: 'Line type', services: 'Services on the line' },
  noServices: '-',
  signatureHeading: 'Signature of the account holder or authorised person',
  signatureLines: { name: 'Name', signature: 'Signature', date: 'Date' },
  signatureNote: (email: string) =>
    `This letter is signed electronically via PortDesk by the account holder or a person authorised by the account holder (${email}). ` +
    'The signature is certified on the last page of the signed document.',
  footer: (orderId: string, requestId: string) => `Order ${orderId} · Signing request ${requestId}`,
  pageOf: (page: number, pages: number) => `Page ${page} of ${pages}`,
  certificate: {
    title: 'Signature certificate',
    intro: (pages: number) =>
      `This certificate records the electronic signature of the Letter of Authority on the preceding ${pages === 1 ? 'page' : `${pages} pages`}. ` +
      'PortDesk added it when the document was signed; the preceding pages are unchanged.',
    signer: 'Signed by',
    signerEmail: 'Signer email',
    signedAtUtc: 'Signed at (UTC)',
    signedAtMarket: 'Signed at (market time)',
    channel: 'Signed through',
    channels: { signing_page: 'PortDesk signing page (link sent by email)', api: 'PortDesk API' },
    ip: 'IP address',
    userAgent: 'User agent',
    notRecorded: 'not recorded',
    sha256: 'SHA-256 of the unsigned document',
    orderId: 'Order',
    requestId: 'Signing request',
    verifyHeading: 'How to verify',
    verify: (filename: string, unsignedBytes: string) =>
      `Download the unsigned Letter of Authority (${filename}) from the order's documents, compute its SHA-256 hash ` +
      `(for example: sha256sum ${filename}) and compare it with the value above. This signed file begins with the unsigned ` +
      `document byte for byte: its first ${unsignedBytes} bytes have the same hash.`,
    documentTitle: 'Letter of Authority (signed)',
    subject: (orderId: string) => `Signed Letter of Authority for number porting, order ${orderId}`,
  },
  documentSubject: (orderId: string) => `Letter of Authority for number porting, order ${orderId}`,
} satisfies Omit<LoaWording, 'title' | 'subtitle' | 'clauses'>;

export const LOA_WORDING: Readonly<Record<Market, LoaWording>> = {
  AU: {
    ...ENGLISH_COMMON,
    title: 'Letter of Authority',
    subtitle: (p) => `Customer authority to port telephone numbers to ${p.provider}`,
    clauses: (p) => [
      `I authorise ${p.provider} to port the numbers listed in this letter from ${p.losingCarrier} to ${p.provider}, ` +
        `and to give ${p.losingCarrier} and the carriers involved the details needed to do so.`,
      `I confirm that I am the account holder of these numbers with ${p.losingCarrier} (account number ${p.accountNumber}), ` +
        'or that I am authorised by the account holder to give this authority, and that the details in this letter are true ' +
        `and match the records of ${p.losingCarrier}. A port may be rejected when they do not.`,
      `I acknowledge that the service on each listed number with ${p.losingCarrier} ends when the number ports, and that any ` +
        'other service on those lines, such as ADSL or other internet, EFTPOS, line hunt, Duet, in-dial or split phone/fax, ' +
        'will stop working at that time. The services recorded on each line are shown with the numbers.',
      `I remain responsible for any other services on my account with ${p.losingCarrier}, and for any charges or contract ` +
        `terms of ${p.losingCarrier} that apply to the numbers ported. The numbers remain the account holder's to use.`,
    ],
  },
  GB: {
    ...ENGLISH_COMMON,
    title: 'Letter of Authority',
    subtitle: (p) => `Authority to transfer telephone numbers to ${p.provider}`,
    clauses: (p) => [
      `I authorise ${p.provider} to request the port of the numbers listed in this letter from ${p.losingCarrier} ` +
        `to ${p.provider}, and to give ${p.losingCarrier} the details needed to do so.`,
      `I confirm that I am the account holder for these numbers with ${p.losingCarrier} (account number ${p.accountNumber}), ` +
        'or that I am authorised by the account holder to sign this letter, and that the details in it match the information ' +
        `held by ${p.losingCarrier}. Details that do not match are likely to make ${p.losingCarrier} reject the request.`,
      `I will keep my existing service with ${p.losingCarrier} live until the port has completed. Cancelling it earlier ` +
        'risks losing the numbers.',
      `I understand that completing the port ends my contract with ${p.losingCarrier} for the listed numbers only. My other ` +
        `numbers and services with ${p.losingCarrier} are not affected, and any charges or notice period of that contract ` +
        'remain my responsibility.',
    ],
  },
  FR: {
    title: 'Mandat de portabilité',
    subtitle: (p) => `Demande de portabilité des numéros vers ${p.provider}`,
    labels: {
      provider: 'Nouvel opérateur',
      customer: 'Client',
      accountHolder: 'Titulaire de la ligne',
      serviceAddress: "Adresse d'installation",
      losingCarrier: 'Opérateur actuel',
      accountNumber: "Numéro de compte chez l'opérateur actuel",
      issuedOn: "Date d'émission",
      signerEmail: 'À signer par',
      numberCount: 'Numéros à porter',
    },
    particularsHeading: 'Informations',
    authorityHeading: 'Mandat',
    clauses: (p) => [
      // "auprès de mon opérateur actuel, X": no elision to get wrong whatever the carrier's name ("de Orange").
      `Je donne mandat à ${p.provider} pour effectuer en mon nom la demande de portabilité des numéros listés dans le ` +
        `présent mandat auprès de mon opérateur actuel, ${p.losingCarrier}.`,
      `Je certifie être le titulaire de ces numéros chez ${p.losingCarrier} (numéro de compte ${p.accountNumber}), ` +
        'ou être dûment habilité par le titulaire, et que les informations du présent mandat sont exactes et conformes à ' +
        `celles figurant sur ma facture ${p.losingCarrier}. Des informations inexactes peuvent entraîner le rejet de la demande.`,
      `La portabilité entraîne la résiliation de mon contrat chez ${p.losingCarrier} pour les seuls numéros portés, ` +
        'à la date du portage. Les autres numéros et services de ce contrat ne sont pas concernés, et les sommes ' +
        `éventuellement dues à ${p.losingCarrier} restent à ma charge.`,
      `Je m'engage à garder ma ligne active chez ${p.losingCarrier} jusqu'au portage effectif : une résiliation ` +
        'anticipée peut entraîner la perte des numéros.',
      "Si un accès ADSL ou DSL est fourni sur la même ligne, il doit être séparé (ADSL nu, ou dégroupage total) avant la " +
        "portabilité ; à défaut, il risque d'être interrompu au portage.",
    ],
    numbersHeading: 'Numéros à porter',
    numbersInSchedule: (count) =>
      `Les ${count} numéros à porter figurent dans l'annexe qui suit cette page, laquelle fait partie intégrante du présent mandat.`,
    scheduleHeading: 'Annexe : liste des numéros',
    scheduleContinued: 'Annexe : liste des numéros (suite)',
    columns: { index: 'N°', national: 'Numéro', e164: 'E.164', lineType: 'Type de ligne', services: 'Services sur la ligne' },
    noServices: '-',
    signatureHeading: 'Signature du titulaire ou de la personne habilitée',
    signatureLines: { name: 'Nom', signature: 'Signature', date: 'Date' },
    signatureNote: (email) =>
      `Le présent mandat est signé électroniquement via PortDesk par le titulaire ou une personne habilitée par lui (${email}). ` +
      'La signature est certifiée sur la dernière page du document signé.',
    footer: (orderId, requestId) => `Commande ${orderId} · Demande de signature ${requestId}`,
    pageOf: (page, pages) => `Page ${page} sur ${pages}`,
    certificate: {
      title: 'Certificat de signature',
      intro: (pages) =>
        `Ce certificat atteste la signature électronique du mandat de portabilité figurant ${pages === 1 ? 'à la page précédente' : `aux ${pages} pages précédentes`}. ` +
        "PortDesk l'a ajouté lors de la signature ; les pages précédentes sont inchangées.",
      signer: 'Signé par',
      signerEmail: 'E-mail du signataire',
      signedAtUtc: 'Signé le (UTC)',
      signedAtMarket: 'Signé le (heure de Paris)',
      channel: 'Signé via',
      channels: { signing_page: 'page de signature PortDesk (lien envoyé par e-mail)', api: 'API PortDesk' },
      ip: 'Adresse IP',
      userAgent: 'Navigateur (user agent)',
      notRecorded: 'non disponible',
      sha256: 'SHA-256 du document non signé',
      orderId: 'Commande',
      requestId: 'Demande de signature',
      verifyHeading: 'Vérification',
      verify: (filename, unsignedBytes) =>
        `Téléchargez le mandat non signé (${filename}) dans les documents de la commande, calculez son empreinte SHA-256 ` +
        `(par exemple : sha256sum ${filename}) et comparez-la à la valeur ci-dessus. Le présent fichier signé commence par ` +
        `le document non signé, octet pour octet : ses ${unsignedBytes} premiers octets ont la même empreinte.`,
      documentTitle: 'Mandat de portabilité (signé)',
      subject: (orderId) => `Mandat de portabilité signé, commande ${orderId}`,
    },
    documentSubject: (orderId) => `Mandat de portabilité, commande ${orderId}`,
  },
};
