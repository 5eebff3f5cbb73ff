import { apiHandler } from '../../../shared/http/handler.ts';
import { cancelPortOut } from '../../../shared/app/use-cases/port-outs.ts';
import { deps } from '../../lib/deps.ts';

// Never succeeds: the use case always answers 409 with what to do instead (rulebook "Port-out").
export const handler = apiHandler('cancelPortOut', deps, ({ caller, params }) => cancelPortOut(deps, caller, params.id!));
