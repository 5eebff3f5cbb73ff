import { apiHandler } from '../../../shared/http/handler.ts';
import { etagOf, updatePortIn } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('updatePortIn', deps, async ({ caller, params, body, headers }) => {
  const order = await updatePortIn(deps, caller, params.id!, body, headers['if-match']);
  return { status: 200, body: order, headers: { etag: etagOf(order.version) } };
});
