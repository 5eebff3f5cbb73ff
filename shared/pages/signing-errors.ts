// How the signing page routes answer a refused request: the form again with the refusal (422), or the
// page of the link's current state (409: expired, voided, already signed, order closed), or 404.
import type { SigningLinkState } from '../app/use-cases/signing.ts';
import type { ErrorPage } from '../http/page.ts';
import { statusOf } from '../http/problem.ts';
import { NotFoundError } from '../rules/errors.ts';
import { renderSigningPage, SIGNING_FORM } from './signing-page.ts';

/** `open` reads the link's state as it is now (openSigningLink with the function's deps). */
export function signingErrorPage(open: (token: string) => Promise<SigningLinkState>): ErrorPage {
  return async (error, request) => {
    const token = request.params.token ?? '';
    if (error instanceof NotFoundError) return renderSigningPage({ state: 'not_found' }, { token });
    const status = statusOf(error);
    const state = await open(token);
    if (status === 422 && state.state === 'ready') {
      const fullName = request.form.get(SIGNING_FORM.fullName) ?? '';
      return renderSigningPage(state, { token, fullName, formError: { code: error.code, message: error.message, issues: error.issues } });
    }
    // The state page says what happened; the status says this request was refused.
    const page = renderSigningPage(state, { token });
    return { ...page, status: state.state === 'not_found' ? 404 : status };
  };
}
