import { pageHandler } from '../../../shared/http/page.ts';
import { openSigningLink, renewSigningLink } from '../../../shared/app/use-cases/signing.ts';
import { renderSigningPage } from '../../../shared/pages/signing-page.ts';
import { signingErrorPage } from '../../../shared/pages/signing-errors.ts';
import { deps } from '../../lib/deps.ts';

const open = (token: string) => openSigningLink(deps, token);

// The confirmation speaks the order's language, so the link's state is read first (an unknown link
// is a 404 without trying to renew it); a link that is not expired gets its state page (409).
export const handler = pageHandler(
  'renewSigningLink',
  async ({ params }) => {
    const token = params.token ?? '';
    const state = await open(token);
    if (state.state === 'not_found') return renderSigningPage(state, { token });
    const { sentTo } = await renewSigningLink(deps, token);
    return renderSigningPage(state, { token, renewedTo: sentTo });
  },
  signingErrorPage(open),
);
