// `npm run bench`: prints the figures the issues ask for. Run on demand, never in `npm test`
// (timings on a shared machine are figures to read, not assertions to flake).
import { benchBundles } from './bundles.ts';
import { benchDynamoRequests } from './dynamo-requests.ts';

const only = process.argv[2];
if (!only || only === 'bundles') await benchBundles();
if (!only || only === 'dynamo') await benchDynamoRequests();
