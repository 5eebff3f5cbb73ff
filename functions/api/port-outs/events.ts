import { apiHandler } from '../../../shared/http/handler.ts';
import { listPortOutEvents } from '../../../shared/app/use-cases/port-outs.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('listPortOutEvents', deps, async ({ caller, params, query }) => ({
  status: 200,
  body: await listPortOutEvents(deps, caller, params.id!, { cursor: query.cursor ?? null, limit: query.limit }),
}));
