import { apiHandler } from '../../../../shared/http/handler.ts';
import { getDocument } from '../../../../shared/app/use-cases/documents.ts';
import { deps } from '../../../lib/deps.ts';

export const handler = apiHandler('getPortInDocument', deps, async ({ caller, params }) => ({
  status: 200,
  body: await getDocument(deps, caller, params.id!, params.documentId!),
}));
