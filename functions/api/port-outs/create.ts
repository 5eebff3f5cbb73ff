import { apiHandler } from '../../../shared/http/handler.ts';
import { requestPortOut } from '../../../shared/app/use-cases/port-outs.ts';
import { deps } from '../../lib/deps.ts';

// 201 either way: the request was recorded; `status` says whether it was accepted or rejected (and why).
export const handler = apiHandler('createPortOut', deps, async ({ caller, body }) => {
  const portOut = await requestPortOut(deps, caller, body);
  return { status: 201, body: portOut, headers: { location: `/v1/port-outs/${portOut.id}`, etag: `W/"${portOut.version}"` } };
});
