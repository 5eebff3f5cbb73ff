import { apiHandler } from '../../shared/http/handler.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { deps } from '../lib/deps.ts';

const document = openApiDocument();

export const handler = apiHandler('openapi', deps, async () => ({ status: 200, body: document }));
