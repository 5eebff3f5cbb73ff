import { apiHandler } from '../../../shared/http/handler.ts';
import { getPortOut } from '../../../shared/app/use-cases/port-outs.ts';
import { deps } from '../../lib/deps.ts';

export const handler = apiHandler('getPortOut', deps, async ({ caller, params }) => {
  const portOut = await getPortOut(deps, caller, params.id!);
  return { status: 200, body: portOut, headers: { etag: `W/"${portOut.version}"` } };
});
