import { pageHandler, redirect } from '../../../shared/http/page.ts';
import { openSigningLink, signingDocumentUrl } from '../../../shared/app/use-cases/signing.ts';
import { renderSigningPage } from '../../../shared/pages/signing-page.ts';
import { signingErrorPage } from '../../../shared/pages/signing-errors.ts';
import { deps } from '../../lib/deps.ts';

// A redirect to a short-lived URL of the PDF; the page headers (no-store, no-referrer) keep the link's
// URL out of caches and out of the file host's logs.
export const handler = pageHandler(
  'signingDocument',
  async ({ params }) => {
    const token = params.token ?? '';
    const url = await signingDocumentUrl(deps, token);
    return url === null ? renderSigningPage({ state: 'not_found' }, { token }) : redirect(302, url);
  },
  signingErrorPage((token) => openSigningLink(deps, token)),
);
