import { apiHandler } from '../../shared/http/handler.ts';
import { deps } from '../lib/deps.ts';

export const handler = apiHandler('health', deps, async () => ({ status: 200, body: { status: 'ok' } }));
