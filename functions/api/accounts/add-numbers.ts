import { apiHandler } from '../../../shared/http/handler.ts';
import { addInventoryNumbers } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('addAccountNumbers', deps, async ({ params, caller, body }) => ({
  status: 201,
  body: await addInventoryNumbers(deps, caller, params.id!, body),
}));
