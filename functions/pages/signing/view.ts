import { pageHandler } from '../../../shared/http/page.ts';
import { openSigningLink } from '../../../shared/app/use-cases/signing.ts';
import { renderSigningPage } from '../../../shared/pages/signing-page.ts';
import { signingErrorPage } from '../../../shared/pages/signing-errors.ts';
import { deps } from '../../lib/deps.ts';

const open = (token: string) => openSigningLink(deps, token);

export const handler = pageHandler(
  'signingPage',
  async ({ params }) => {
    const token = params.token ?? '';
    return renderSigningPage(await open(token), { token });
  },
  signingErrorPage(open),
);
