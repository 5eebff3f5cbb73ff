import { pageHandler, redirect } from '../../../shared/http/page.ts';
import { openSigningLink, signWithLink } from '../../../shared/app/use-cases/signing.ts';
import { SIGNING_FORM } from '../../../shared/pages/signing-page.ts';
import { signingErrorPage } from '../../../shared/pages/signing-errors.ts';
import { deps } from '../../lib/deps.ts';

// Post-redirect-get: after signing, the browser loads the page (now the signed state) with a GET, so
// a refresh never posts the form again. Refusals come back as pages from signingErrorPage.
export const handler = pageHandler(
  'signWithLink',
  async ({ params, form, sourceIp, userAgent }) => {
    const token = params.token ?? '';
    await signWithLink(deps, token, {
      fullName: form.get(SIGNING_FORM.fullName) ?? '',
      consent: form.get(SIGNING_FORM.consent) === SIGNING_FORM.consentGiven,
      ip: sourceIp,
      userAgent,
    });
    return redirect(303, `/sign/${encodeURIComponent(token)}`);
  },
  signingErrorPage((token) => openSigningLink(deps, token)),
);
