import { apiHandler } from '../../shared/http/handler.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { deps } from '../lib/deps.ts';

// Built on the first request, not at module load, so cold starts of this function stay short.
let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = apiHandler('openapi', deps, async () => ({ status: 200, body: (document ??= openApiDocument()) }));
