import { apiHandler } from '../../../shared/http/handler.ts';
import { loadVisibleAccount, viewAccount } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('getAccount', deps, async ({ params, caller }) => ({
  status: 200,
  body: viewAccount(await loadVisibleAccount(deps, caller, params.id!)),
}));
