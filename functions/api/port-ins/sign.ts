import { apiHandler } from '../../../shared/http/handler.ts';
import { etagOf, signPortIn } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('signPortIn', deps, async ({ caller, params, body, client }) => {
  const order = await signPortIn(deps, caller, params.id!, body, client);
  return { status: 200, body: order, headers: { etag: etagOf(order.version) } };
});
