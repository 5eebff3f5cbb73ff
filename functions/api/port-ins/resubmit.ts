import { apiHandler } from '../../../shared/http/handler.ts';
import { etagOf, resubmitPortIn } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('resubmitPortIn', deps, async ({ caller, params, body }) => {
  const order = await resubmitPortIn(deps, caller, params.id!);
  return { status: 200, body: order, headers: { etag: etagOf(order.version) } };
});
