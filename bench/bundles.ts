// Figure 1: bytes of each Lambda bundle (minified, as CDK builds it) and its module-load time,
// next to a minimal middy + DynamoDB-client handler bundled the same way.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES, AUTHORIZER_HANDLER } from '../shared/http/routes.ts';
import { ESBUILD_OPTIONS } from '../infra/bundling.ts';
import { WORKFLOW_HANDLERS } from '../infra/constructs/workflow.ts';
import { SCHEDULED_HANDLERS } from '../infra/constructs/schedules.ts';
import { INTAKE_HANDLER } from '../infra/constructs/email-intake.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out', 'bundles');
const LOAD_RUNS = 7;

async function bundle(name: string, entry: string): Promise<string> {
  const outfile = join(OUT, `${name.replace(/\//g, '__')}.mjs`);
  await build({ ...ESBUILD_OPTIONS, entryPoints: [entry], outfile, sourcemap: false, logLevel: 'error' });
  return outfile;
}

/** Median wall time of a fresh Node process importing the bundle (the cold-start module load). */
function loadMs(file: string): number {
  const times: number[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TABLE_NAME: 'bench', AWS_REGION: 'ap-southeast-2', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`loading ${file} failed: ${run.stderr}`);
    times.push(Number(run.stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchBundles(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const baselineFile = await bundle('baseline', join(ROOT, 'bench', 'baseline-handler.ts'));
  const baseline = { bytes: statSync(baselineFile).size, ms: loadMs(baselineFile) };
  // Every function the stack deploys: API routes, the authorizer, the workflow's steps, the schedules, the email intake.
  const entries = [...ROUTES.map((r) => r.handler), AUTHORIZER_HANDLER, ...Object.values(WORKFLOW_HANDLERS), ...SCHEDULED_HANDLERS, INTAKE_HANDLER];
  const rows: { name: string; bytes: number; ms: number }[] = [];
  for (const handler of [...new Set(entries)]) {
    const file = await bundle(handler, join(ROOT, 'functions', `${handler}.ts`));
    rows.push({ name: handler, bytes: statSync(file).size, ms: loadMs(file) });
  }
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  console.log('\n## Lambda bundles (minified ESM, AWS SDK from the runtime) and module-load time (median of %d cold imports)\n', LOAD_RUNS);
  console.log(`baseline (middy + DynamoDB document client): ${kb(baseline.bytes)}, ${baseline.ms.toFixed(1)} ms`);
  console.log('| function | bytes | load ms | load / baseline |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${kb(r.bytes)} | ${r.ms.toFixed(1)} | ${(r.ms / baseline.ms).toFixed(2)}x |`);
  // The foundation's targets are for what answers HTTP requests (API routes and the authorizer): the
  // workflow steps, schedules and the email intake run in the background, where cold start matters less.
  const apiModules = new Set<string>([...ROUTES.map((r) => r.handler), AUTHORIZER_HANDLER]);
  const api = rows.filter((r) => apiModules.has(r.name));
  const background = rows.filter((r) => !apiModules.has(r.name));
  const largest = Math.max(...api.map((r) => r.bytes));
  const worstRatio = Math.max(...api.map((r) => r.ms / baseline.ms));
  console.log(`\nAPI functions: largest bundle ${kb(largest)} (target < 750 KB: ${largest < 750 * 1024 ? 'met' : 'MISSED'}); worst load ratio ${worstRatio.toFixed(2)}x (target <= 1.5x: ${worstRatio <= 1.5 ? 'met' : 'MISSED'})`);
  const biggest = background.reduce((a, b) => (b.bytes > a.bytes ? b : a), background[0]!);
  console.log(`Background functions (workflow, schedules, email intake): largest ${biggest.name} ${kb(biggest.bytes)} (no target; reported)`);
}
