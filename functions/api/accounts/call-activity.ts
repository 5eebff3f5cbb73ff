import { apiHandler } from '../../../shared/http/handler.ts';
import { recordCallActivity } from '../../../shared/app/use-cases/accounts.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('recordCallActivity', deps, async ({ params, caller, body }) => ({
  status: 200,
  body: await recordCallActivity(deps, caller, params.id!, body),
}));
