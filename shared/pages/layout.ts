// The frame of every server-rendered page (the signing page): one HTML document with inline CSS and no
// script, the security headers every page carries, and the generic error page. Pure functions.
import { createHash } from 'node:crypto';
import { escapeHtml } from '../html.ts';

export type PageLanguage = 'en' | 'fr';

export interface RenderedPage {
  status: number;
  html: string;
}

export { escapeHtml };

// Readable from 360 px phones to desktops: one column of at most 40rem, large targets, visible focus.
const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1b1b1b;background:#f4f5f7}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem;background:#fff;min-height:100vh}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem}
p{margin:0 0 1rem}
a{color:#0b57d0;text-underline-offset:.15em}
a:hover{color:#06357f}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px;box-shadow:0 0 0 5px #1b1b1b}
dl{margin:0 0 1rem;display:grid;grid-template-columns:minmax(8rem,40%) 1fr;gap:.5rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
address{font-style:normal}
ul.numbers{list-style:none;padding:0;margin:0 0 1rem;display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.25rem .75rem;font-variant-numeric:tabular-nums}
.more{margin-top:.5rem;font-style:italic}
fieldset{border:0;padding:0;margin:1.5rem 0 0;min-width:0}
legend{font-size:1.25rem;font-weight:700;padding:0;margin-bottom:.75rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{color:#505a5f;margin:0 0 .5rem;font-size:.95rem}
input[type=text]{width:100%;font:inherit;padding:.5rem .6rem;border:2px solid #1b1b1b;border-radius:0;min-height:2.75rem}
.field{margin-bottom:1.5rem}
.field.invalid{border-left:5px solid #b10e1e;padding-left:.75rem}
.field-error{color:#b10e1e;font-weight:700;margin:0 0 .5rem}
input[aria-invalid=true]{border-color:#b10e1e}
.check{display:flex;gap:.75rem;align-items:flex-start}
.check input{flex:none;width:1.75rem;height:1.75rem;margin:0;accent-color:#0b57d0}
.check label{font-weight:400;margin:0}
button{font:inherit;font-weight:700;color:#fff;background:#00703c;border:0;border-bottom:3px solid #002d18;padding:.6rem 1.25rem;min-height:2.75rem;cursor:pointer;width:100%}
button:hover{background:#005a30}
@media (min-width:40rem){button{width:auto}main{margin-top:2rem;min-height:auto;padding:2rem 2.5rem}}
.error-summary{border:4px solid #b10e1e;padding:1rem;margin:0 0 1.5rem}
.error-summary h2{margin-top:0}
.error-summary ul{margin:0;padding-left:1.25rem}
.error-summary a{color:#b10e1e;font-weight:700}
.panel{border:4px solid #00703c;padding:1rem;margin:0 0 1.5rem}
hr{border:0;border-top:1px solid #b1b4b6;margin:2rem 0}
.small{font-size:.9rem;color:#505a5f}
`;

/** The style sheet's CSP hash: only this exact inline style may apply (no style attributes, no injected styles). */
const STYLE_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

/**
 * Headers of every page response. The URL of a signing page holds its secret: nothing may cache the
 * page, send the URL as a referrer, or frame it.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex, nofollow',
  'content-security-policy': [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
};

/** PAGE_HEADERS plus the HTML content type: what a response with a rendered page carries. */
export const HTML_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS };

/** A whole document. `title` is plain text; `body` is markup the caller built with escapeHtml. */
export function htmlDocument(lang: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

const ERRORS: Readonly<Record<PageLanguage, { title: string; server: string; tooLarge: string; unsupported: string; other: string }>> = {
  en: {
    title: 'Sorry, something went wrong',
    server: 'We could not show this page. Please try again in a few minutes. If it keeps happening, contact your provider.',
    tooLarge: 'The form sent was too large. Go back, check what you typed and try again.',
    unsupported: 'The form could not be read. Go back and try again.',
    other: 'We could not handle this request. Go back and try again.',
  },
  fr: {
    title: 'Désolés, une erreur est survenue',
    server: 'Nous n’avons pas pu afficher cette page. Veuillez réessayer dans quelques minutes. Si le problème persiste, contactez votre opérateur.',
    tooLarge: 'Le formulaire envoyé est trop volumineux. Revenez en arrière, vérifiez votre saisie et réessayez.',
    unsupported: 'Le formulaire n’a pas pu être lu. Revenez en arrière et réessayez.',
    other: 'Nous n’avons pas pu traiter cette demande. Revenez en arrière et réessayez.',
  },
};

/**
 * The page for failures where the page's own language is unknown (a crash, a refused request): in
 * English and French, and nothing about the cause.
 */
export function renderErrorPage(status: number): RenderedPage {
  const reason = (language: PageLanguage) => {
    const copy = ERRORS[language];
    if (status === 413) return copy.tooLarge;
    if (status === 415 || status === 400) return copy.unsupported;
    return status >= 500 ? copy.server : copy.other;
  };
  const body = (['en', 'fr'] as const)
    .map((language) => `<section lang="${language}">
<h1>${escapeHtml(ERRORS[language].title)}</h1>
<p>${escapeHtml(reason(language))}</p>
</section>`)
    .join('\n<hr>\n');
  return { status, html: htmlDocument('en', `${ERRORS.en.title} / ${ERRORS.fr.title}`, body) };
}
