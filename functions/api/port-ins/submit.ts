import { apiHandler } from '../../../shared/http/handler.ts';
import { etagOf, submitPortIn } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('submitPortIn', deps, async ({ caller, params, body }) => {
  const order = await submitPortIn(deps, caller, params.id!);
  return { status: 200, body: order, headers: { etag: etagOf(order.version) } };
});
