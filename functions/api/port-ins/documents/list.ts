import { apiHandler } from '../../../../shared/http/handler.ts';
import { listDocuments } from '../../../../shared/app/use-cases/documents.ts';
import { deps } from '../../../lib/deps.ts';

export const handler = apiHandler('listPortInDocuments', deps, async ({ caller, params, query }) => ({
  status: 200,
  body: await listDocuments(deps, caller, params.id!, { cursor: query.cursor ?? null, limit: query.limit }),
}));
