// `npm run bench`: prints the figures the issues ask for. Run on demand, never in `npm test`
// (timings on a shared machine are figures to read, not assertions to flake).
import { benchBundles } from './bundles.ts';
import { benchDynamoRequests } from './dynamo-requests.ts';
import { benchDeadlineCheck } from './deadline-check.ts';
import { benchLifecycle } from './lifecycle.ts';
import { benchIntake } from './intake.ts';

const [only, ...args] = process.argv.slice(2);
if (!only || only === 'bundles') await benchBundles();
if (!only || only === 'dynamo') await benchDynamoRequests();
if (!only || only === 'deadline-check') await benchDeadlineCheck(args.length > 0 ? args.map(Number) : undefined);
if (!only || only === 'lifecycle') await benchLifecycle();
if (!only || only === 'intake') await benchIntake();
