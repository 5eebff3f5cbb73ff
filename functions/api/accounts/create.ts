import { apiHandler } from '../../../shared/http/handler.ts';
import { createAccount } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('createAccount', deps, async ({ body }) => {
  const account = await createAccount(deps, body);
  return { status: 201, body: account, headers: { location: `/v1/accounts/${account.id}` } };
});
