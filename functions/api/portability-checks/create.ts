import { apiHandler } from '../../../shared/http/handler.ts';
import { checkPortability } from '../../../shared/app/use-cases/portability.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('checkPortability', deps, async ({ caller, body }) => ({
  status: 200,
  body: await checkPortability(deps, caller, body),
}));
