import { apiHandler } from '../../../shared/http/handler.ts';
import { createPortIn, etagOf } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('createPortIn', deps, async ({ caller, body }) => {
  const order = await createPortIn(deps, caller, body);
  return { status: 201, body: order, headers: { location: `/v1/port-ins/${order.id}`, etag: etagOf(order.version) } };
});
