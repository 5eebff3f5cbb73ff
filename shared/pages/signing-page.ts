// The Letter of Authority signing page (`/sign/<token>`): one pure renderer for every state of a
// signing link, in English (AU, GB) or French (FR), with dates in market time. No script: a plain
// form posts the typed name and the consent. Every interpolated value goes through escapeHtml.
import { DateTime } from 'luxon';
import type { SigningLinkState, SigningPageView } from '../app/use-cases/signing.ts';
import { policyFor } from '../rules/markets.ts';
import { escapeHtml, htmlDocument, type PageLanguage, type RenderedPage } from './layout.ts';

export { escapeHtml } from './layout.ts';

export interface SigningPageOptions {
  /** The link's secret as in the URL: the page's links and form actions are built from it. */
  token: string;
  /** A refused signature (422): shown in the error summary and next to its field; `issues` when several fields are wrong. */
  formError?: { code: string; message: string; issues?: readonly { code: string }[] };
  /** What the signer typed, kept when the form is shown again. */
  fullName?: string;
  /** A new link was emailed to this (masked) address: the confirmation is shown. */
  renewedTo?: string;
}

/** The sign form's fields: the page writes them, the sign handler reads them. */
export const SIGNING_FORM = { fullName: 'fullName', consent: 'consent', consentGiven: 'yes' } as const;

/** The use case lists at most this many numbers; the page never shows more, whatever it is given. */
export const MAX_NUMBERS_SHOWN = 50;

type Market = SigningPageView['market'];
type Field = 'fullName' | 'consent';

const LANGUAGE: Readonly<Record<Market, PageLanguage>> = { AU: 'en', GB: 'en', FR: 'fr' };
const LOCALE: Readonly<Record<Market, string>> = { AU: 'en-AU', GB: 'en-GB', FR: 'fr-FR' };
/** The form field each refusal code is about (the error summary links to it). */
const FIELD_OF: Readonly<Record<string, Field>> = { signer_name_required: 'fullName', consent_required: 'consent' };

/** Values of one page, already escaped for HTML. */
interface Values {
  provider: string;
  losingCarrier: string;
  orderId: string;
  masked: string;
}

interface Copy {
  titles: { ready: string; signed: string; expired: string; voided: string; closed: string; renewed: string };
  intro(v: Values): string;
  details: string;
  provider: string;
  accountHolder: string;
  serviceAddress: string;
  losingCarrier: string;
  accountNumber: string;
  reference: string;
  issuedAt: string;
  expiresAt: string;
  numbers(count: string): string;
  more(count: string, one: boolean): string;
  viewDocument: string;
  newTab: string;
  legend: string;
  signatureHint: string;
  fullNameLabel: string;
  fullNameHint: string;
  consent(v: Values): string;
  signButton: string;
  errorTitle: string;
  errorPrefix: string;
  fieldErrors: Readonly<Record<Field, string>>;
  signedBy(name: string, at: string): string;
  signedNext(v: Values): string;
  signedDocument: string;
  expiredSince(at: string): string;
  canRenew(v: Values): string;
  renewButton: string;
  cannotRenew(v: Values): string;
  voided: { order_edited(v: Values): string; replaced(v: Values): string };
  closed(v: Values, status: string): string;
  closeTab: string;
  renewed(v: Values): string;
  renewedNext: string;
}

const COPY: Readonly<Record<PageLanguage, Copy>> = {
  en: {
    titles: {
      ready: 'Sign the Letter of Authority',
      signed: 'Letter of Authority signed',
      expired: 'This signing link has expired',
      voided: 'This signing link no longer works',
      closed: 'No signature needed',
      renewed: 'We have emailed you a new link',
    },
    intro: (v) =>
      `${v.provider} asks you to authorise the transfer (porting) of the numbers below from ${v.losingCarrier} to ${v.provider}. Check the details, read the Letter of Authority, then sign.`,
    details: 'Order details',
    provider: 'New provider',
    accountHolder: 'Account holder',
    serviceAddress: 'Service address',
    losingCarrier: 'Current provider',
    accountNumber: 'Account number with the current provider',
    reference: 'Order reference',
    issuedAt: 'Link sent',
    expiresAt: 'Link valid until',
    numbers: (count) => `Numbers to transfer (${count})`,
    more: (count) => `and ${count} more, listed in the Letter of Authority`,
    viewDocument: 'Read the Letter of Authority (PDF)',
    newTab: 'opens in a new tab',
    legend: 'Sign',
    signatureHint:
      'Typing your name and pressing the button is your electronic signature. We record the time, your IP address and your browser with it.',
    fullNameLabel: 'Your full name',
    fullNameHint: 'As the account holder, or as the person they authorised.',
    consent: (v) =>
      `I am the account holder or authorised by them, and I authorise ${v.provider} to port these numbers as set out in the Letter of Authority.`,
    signButton: 'Sign the Letter of Authority',
    errorTitle: 'There is a problem',
    errorPrefix: 'Error:',
    fieldErrors: {
      fullName: 'Enter your full name',
      consent: 'Tick the box to confirm that you authorise the transfer',
    },
    signedBy: (name, at) => `Signed by <strong>${name}</strong> on ${at}.`,
    signedNext: (v) => `${v.provider} will now ask ${v.losingCarrier} to transfer the numbers. There is nothing else to do on this page.`,
    signedDocument: 'Download the signed Letter of Authority (PDF)',
    expiredSince: (at) => `This link stopped working on ${at}. Nothing was signed.`,
    canRenew: (v) => `We can email a new link to ${v.masked}.`,
    renewButton: 'Email me a new link',
    cannotRenew: (v) => `Ask ${v.provider} to send you a new link.`,
    voided: {
      order_edited: (v) =>
        `The order was changed after this link was sent, so the Letter of Authority has to be signed again. Use the link in the newest email from ${v.provider}.`,
      replaced: (v) => `A newer link has replaced this one. Use the link in the newest email from ${v.provider}.`,
    },
    closed: (v, status) => `Order ${v.orderId} no longer needs a signature${status}.`,
    closeTab: 'You can close this page.',
    renewed: (v) => `We sent a new signing link to ${v.masked}. It can take a few minutes to arrive; check your spam folder too.`,
    renewedNext: 'Open the link in that email to sign. This link no longer works.',
  },
  fr: {
    titles: {
      ready: 'Signer le mandat de portabilité',
      signed: 'Mandat de portabilité signé',
      expired: 'Ce lien de signature a expiré',
      voided: 'Ce lien de signature n’est plus valable',
      closed: 'Aucune signature n’est nécessaire',
      renewed: 'Un nouveau lien vous a été envoyé',
    },
    intro: (v) =>
      `${v.provider} vous demande d’autoriser le transfert (portabilité) des numéros ci-dessous de ${v.losingCarrier} vers ${v.provider}. Vérifiez les informations, lisez le mandat, puis signez.`,
    details: 'Détails de la demande',
    provider: 'Nouvel opérateur',
    accountHolder: 'Titulaire du contrat',
    serviceAddress: 'Adresse d’installation',
    losingCarrier: 'Opérateur actuel',
    accountNumber: 'Numéro de client chez l’opérateur actuel',
    reference: 'Référence de la demande',
    issuedAt: 'Lien envoyé le',
    expiresAt: 'Lien valable jusqu’au',
    numbers: (count) => `Numéros à transférer (${count})`,
    more: (count, one) => (one ? `et ${count} autre, listé dans le mandat` : `et ${count} autres, listés dans le mandat`),
    viewDocument: 'Lire le mandat de portabilité (PDF)',
    newTab: 's’ouvre dans un nouvel onglet',
    legend: 'Signer',
    signatureHint:
      'Saisir votre nom et appuyer sur le bouton vaut signature électronique. Nous enregistrons avec elle l’heure, votre adresse IP et votre navigateur.',
    fullNameLabel: 'Vos nom et prénom',
    fullNameHint: 'Ceux du titulaire du contrat, ou de la personne qu’il a autorisée.',
    consent: (v) =>
      `Je suis le titulaire du contrat ou j’ai son autorisation, et j’autorise ${v.provider} à porter ces numéros dans les conditions prévues par le mandat de portabilité.`,
    signButton: 'Signer le mandat',
    errorTitle: 'Un problème est survenu',
    errorPrefix: 'Erreur\u00a0:',
    fieldErrors: {
      fullName: 'Saisissez vos nom et prénom',
      consent: 'Cochez la case pour confirmer que vous autorisez le transfert',
    },
    signedBy: (name, at) => `Signé par <strong>${name}</strong> le ${at}.`,
    signedNext: (v) => `${v.provider} va maintenant demander à ${v.losingCarrier} de transférer les numéros. Vous n’avez plus rien à faire sur cette page.`,
    signedDocument: 'Télécharger le mandat signé (PDF)',
    expiredSince: (at) => `Ce lien ne fonctionne plus depuis le ${at}. Rien n’a été signé.`,
    canRenew: (v) => `Nous pouvons envoyer un nouveau lien à ${v.masked}.`,
    renewButton: 'M’envoyer un nouveau lien',
    cannotRenew: (v) => `Demandez un nouveau lien à ${v.provider}.`,
    voided: {
      order_edited: (v) =>
        `La demande a été modifiée après l’envoi de ce lien\u00a0: le mandat doit être signé à nouveau. Utilisez le lien du message le plus récent de ${v.provider}.`,
      replaced: (v) => `Un lien plus récent a remplacé celui-ci. Utilisez le lien du message le plus récent de ${v.provider}.`,
    },
    closed: (v, status) => `La demande ${v.orderId} n’a plus besoin de signature${status}.`,
    closeTab: 'Vous pouvez fermer cette page.',
    renewed: (v) =>
      `Nous avons envoyé un nouveau lien de signature à ${v.masked}. Il peut mettre quelques minutes à arriver\u00a0; pensez à vérifier vos courriers indésirables.`,
    renewedNext: 'Ouvrez le lien de ce message pour signer. Ce lien-ci ne fonctionne plus.',
  },
};

/** Why a closed order needs no signature, as a clause after the sentence (empty for other statuses). */
const CLOSED_BECAUSE: Readonly<Record<PageLanguage, Readonly<Record<string, string>>>> = {
  en: { cancelled: ': it was cancelled', withdrawn: ': it was withdrawn', expired: ': it has expired' },
  fr: { cancelled: '\u00a0: elle a été annulée', withdrawn: '\u00a0: elle a été retirée', expired: '\u00a0: elle a expiré' },
};

/** The page for one state of a signing link, with its status code. */
export function renderSigningPage(state: SigningLinkState, options: SigningPageOptions): RenderedPage {
  if (state.state === 'not_found') return notFoundPage();
  const view = state.view;
  const language = LANGUAGE[view.market];
  const copy = COPY[language];
  const page = new PageContext(view, options.token, language);

  if (options.renewedTo !== undefined) {
    const v = { ...page.values, masked: escapeHtml(options.renewedTo) };
    return page.render(200, copy.titles.renewed, [
      `<div class="panel" role="status">\n<h1>${escapeHtml(copy.titles.renewed)}</h1>\n<p>${copy.renewed(v)}</p>\n</div>`,
      `<p>${escapeHtml(copy.renewedNext)}</p>`,
      page.reference(),
    ]);
  }

  switch (state.state) {
    case 'ready':
      return readyPage(page, options);
    case 'signed':
      return page.render(200, copy.titles.signed, [
        `<div class="panel" role="status">\n<h1>${escapeHtml(copy.titles.signed)}</h1>\n<p>${copy.signedBy(escapeHtml(state.signerName), page.instant(state.signedAt))}</p>\n</div>`,
        `<p>${copy.signedNext(page.values)}</p>`,
        `<p>${page.documentLink(copy.signedDocument)}</p>`,
        page.details(),
      ]);
    case 'expired': {
      const renew = state.canRenew
        ? `<p>${copy.canRenew(page.values)}</p>\n<form method="post" action="${page.action('/renew')}">\n<button type="submit">${escapeHtml(copy.renewButton)}</button>\n</form>`
        : `<p>${copy.cannotRenew(page.values)}</p>`;
      return page.render(200, copy.titles.expired, [
        `<h1>${escapeHtml(copy.titles.expired)}</h1>`,
        `<p>${copy.expiredSince(page.instant(view.expiresAt))}</p>`,
        renew,
        page.reference(),
      ]);
    }
    case 'voided':
      return page.render(200, copy.titles.voided, [
        `<h1>${escapeHtml(copy.titles.voided)}</h1>`,
        `<p>${copy.voided[state.because](page.values)}</p>`,
        page.reference(),
      ]);
    case 'closed':
      return page.render(200, copy.titles.closed, [
        `<h1>${escapeHtml(copy.titles.closed)}</h1>`,
        `<p>${copy.closed(page.values, escapeHtml(CLOSED_BECAUSE[language][state.status] ?? ''))}</p>`,
        `<p>${escapeHtml(copy.closeTab)}</p>`,
      ]);
  }
}

function readyPage(page: PageContext, options: SigningPageOptions): RenderedPage {
  const copy = page.copy;
  const error = options.formError;
  // Each refused field once, in the form's order; a refusal about no field shows the use case's own message.
  const codes = error ? [error.code, ...(error.issues ?? []).map((i) => i.code)] : [];
  const fields = (['fullName', 'consent'] as const).filter((f) => codes.some((c) => FIELD_OF[c] === f));
  const summaryItems = fields.map((f) => `<li><a href="#${f}">${escapeHtml(copy.fieldErrors[f])}</a></li>`);
  if (error && fields.length === 0) summaryItems.push(`<li>${escapeHtml(error.message)}</li>`);
  const summary =
    summaryItems.length > 0
      ? `<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<h2 id="error-summary-title">${escapeHtml(copy.errorTitle)}</h2>
<ul>
${summaryItems.join('\n')}
</ul>
</div>`
      : '';
  const refused = (name: Field) => fields.includes(name);
  const fieldError = (name: Field) =>
    refused(name)
      ? `<p class="field-error" id="${name}-error"><span class="small">${escapeHtml(copy.errorPrefix)}</span> ${escapeHtml(copy.fieldErrors[name])}</p>\n`
      : '';
  const invalid = (name: Field) => (refused(name) ? ' aria-invalid="true"' : '');
  const describedBy = (name: Field, ...ids: string[]) => [...ids, ...(refused(name) ? [`${name}-error`] : [])].join(' ');
  const nameDescribedBy = describedBy('fullName', 'fullName-hint');
  const consentDescribedBy = describedBy('consent');

  const form = `<form method="post" action="${page.action('')}">
<fieldset aria-describedby="signature-hint">
<legend>${escapeHtml(copy.legend)}</legend>
<p class="hint" id="signature-hint">${escapeHtml(copy.signatureHint)}</p>
<div class="field${refused('fullName') ? ' invalid' : ''}">
<label for="fullName">${escapeHtml(copy.fullNameLabel)}</label>
<p class="hint" id="fullName-hint">${escapeHtml(copy.fullNameHint)}</p>
${fieldError('fullName')}<input type="text" id="fullName" name="${SIGNING_FORM.fullName}" autocomplete="name" spellcheck="false" maxlength="200" required aria-describedby="${nameDescribedBy}"${invalid('fullName')} value="${escapeHtml(options.fullName ?? '')}">
</div>
<div class="field${refused('consent') ? ' invalid' : ''}">
${fieldError('consent')}<div class="check">
<input type="checkbox" id="consent" name="${SIGNING_FORM.consent}" value="${SIGNING_FORM.consentGiven}" required${consentDescribedBy ? ` aria-describedby="${consentDescribedBy}"` : ''}${invalid('consent')}>
<label for="consent">${copy.consent(page.values)}</label>
</div>
</div>
<button type="submit">${escapeHtml(copy.signButton)}</button>
</fieldset>
</form>`;

  return page.render(error ? 422 : 200, copy.titles.ready, [
    `<h1>${escapeHtml(copy.titles.ready)}</h1>`,
    summary,
    `<p>${copy.intro(page.values)}</p>`,
    page.details(),
    `<p>${page.documentLink(copy.viewDocument)}</p>`,
    form,
  ], error !== undefined);
}

/** What the parts of one page share: its view, language and links. */
class PageContext {
  readonly copy: Copy;
  readonly values: Values;
  private readonly locale: string;
  private readonly timeZone: string;
  private readonly base: string;

  constructor(
    private readonly view: SigningPageView,
    token: string,
    private readonly language: PageLanguage,
  ) {
    this.copy = COPY[language];
    this.locale = LOCALE[view.market];
    this.timeZone = policyFor(view.market).timeZone;
    // Absolute paths: the same page is also answered from /sign/<token>/renew, where relative links would break.
    this.base = `/sign/${encodeURIComponent(token)}`;
    this.values = {
      provider: escapeHtml(view.providerName),
      losingCarrier: escapeHtml(view.losingCarrierName),
      orderId: escapeHtml(view.orderId),
      masked: escapeHtml(view.signerEmailMasked),
    };
  }

  render(status: number, title: string, parts: string[], hasError = false): RenderedPage {
    const fullTitle = `${hasError ? `${this.copy.errorPrefix} ` : ''}${title} – ${this.view.providerName}`;
    return { status, html: htmlDocument(this.locale, fullTitle, parts.filter((p) => p !== '').join('\n')) };
  }

  action(suffix: '' | '/renew'): string {
    return escapeHtml(`${this.base}${suffix}`);
  }

  documentLink(label: string): string {
    return `<a href="${escapeHtml(`${this.base}/document`)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label)} <span class="small">(${escapeHtml(this.copy.newTab)})</span></a>`;
  }

  /** An instant in the market's zone and locale: "Thursday 3 December 2026 at 11:59 pm AEST", "jeudi 3 décembre 2026 à 14:59 UTC+1". */
  instant(iso: string): string {
    const at = DateTime.fromISO(iso, { zone: this.timeZone }).setLocale(this.locale);
    const text = at.isValid
      ? at.toLocaleString({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' })
      : iso;
    return `<time datetime="${escapeHtml(iso)}">${escapeHtml(text)}</time>`;
  }

  /** Plain text: the caller escapes the sentence it goes into. */
  count(n: number): string {
    return new Intl.NumberFormat(this.locale).format(n);
  }

  reference(): string {
    return `<p class="small">${escapeHtml(this.copy.reference)}${this.language === 'fr' ? '\u00a0:' : ':'} ${this.values.orderId}</p>`;
  }

  details(): string {
    const view = this.view;
    const c = this.copy;
    const row = (label: string, value: string) => `<dt>${escapeHtml(label)}</dt><dd>${value}</dd>`;
    const shown = view.numbers.slice(0, MAX_NUMBERS_SHOWN);
    const hidden = Math.max(0, view.numberCount - shown.length);
    return `<section aria-labelledby="details-title">
<h2 id="details-title">${escapeHtml(c.details)}</h2>
<dl>
${row(c.provider, this.values.provider)}
${row(c.accountHolder, escapeHtml(view.accountHolderName))}
${row(c.serviceAddress, `<address>${view.serviceAddress.map(escapeHtml).join('<br>')}</address>`)}
${row(c.losingCarrier, this.values.losingCarrier)}
${row(c.accountNumber, escapeHtml(view.losingCarrierAccountNumber))}
${row(c.reference, this.values.orderId)}
${row(c.issuedAt, this.instant(view.issuedAt))}
${row(c.expiresAt, this.instant(view.expiresAt))}
</dl>
</section>
<section aria-labelledby="numbers-title">
<h2 id="numbers-title">${escapeHtml(c.numbers(this.count(view.numberCount)))}</h2>
<ul class="numbers">
${shown.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}
</ul>
${hidden > 0 ? `<p class="more">${escapeHtml(c.more(this.count(hidden), new Intl.PluralRules(this.locale).select(hidden) === 'one'))}</p>` : ''}
</section>`;
  }
}

/** An unknown link: which market it belongs to is unknown too, so the page speaks English and French. */
function notFoundPage(): RenderedPage {
  const body = `<section lang="en-GB">
<h1>This link is not valid</h1>
<p>Check that you copied the whole link from the email: long links are sometimes split over two lines.</p>
<p>If it still does not work, ask your provider to send you a new link.</p>
</section>
<hr>
<section lang="fr-FR">
<h1>Ce lien n’est pas valable</h1>
<p>Vérifiez que vous avez copié le lien entier depuis le message\u00a0: les liens longs sont parfois coupés sur deux lignes.</p>
<p>S’il ne fonctionne toujours pas, demandez un nouveau lien à votre opérateur.</p>
</section>`;
  return { status: 404, html: htmlDocument('en', 'This link is not valid / Ce lien n’est pas valable', body) };
}
