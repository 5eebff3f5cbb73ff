import { apiHandler } from '../../../shared/http/handler.ts';
import { createCarrier } from '../../../shared/app/use-cases/carriers.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('createCarrier', deps, async ({ body }) => ({ status: 201, body: await createCarrier(deps, body) }));
