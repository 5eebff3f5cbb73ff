import { apiHandler } from '../../../shared/http/handler.ts';
import { accountEtag, updateAccount } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('updateAccount', deps, async ({ caller, params, body, headers }) => {
  const account = await updateAccount(deps, caller, params.id!, body, headers['if-match']);
  return { status: 200, body: account, headers: { etag: accountEtag(account.version) } };
});
