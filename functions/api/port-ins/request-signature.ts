import { apiHandler } from '../../../shared/http/handler.ts';
import { etagOf, requestSignature } from '../../../shared/app/use-cases/port-ins.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('requestSignature', deps, async ({ caller, params }) => {
  const order = await requestSignature(deps, caller, params.id!);
  return { status: 201, body: order, headers: { etag: etagOf(order.version) } };
});
