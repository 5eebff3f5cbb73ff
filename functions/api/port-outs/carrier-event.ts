import { apiHandler } from '../../../shared/http/handler.ts';
import { recordPortOutCarrierEvent } from '../../../shared/app/use-cases/port-outs.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('postPortOutCarrierEvent', deps, async ({ caller, params, body }) => {
  const portOut = await recordPortOutCarrierEvent(deps, caller, params.id!, body);
  return { status: 200, body: portOut, headers: { etag: `W/"${portOut.version}"` } };
});
