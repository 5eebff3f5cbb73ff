import { apiHandler } from '../../../shared/http/handler.ts';
import { etagOf, getPortIn } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('getPortIn', deps, async ({ caller, params }) => {
  const order = await getPortIn(deps, caller, params.id!);
  return { status: 200, body: order, headers: { etag: etagOf(order.version) } };
});
