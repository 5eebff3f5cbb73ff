// How every Lambda is bundled: one definition for CDK (infra/constructs/lambda-function.ts) and the
// bundle benchmark (bench/bundles.ts), so the figures are of the bundles that ship.
import type { BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** ESM needs `require` for the CommonJS dependencies esbuild inlines. */
export const REQUIRE_BANNER =
  "import { createRequire as __portdeskCreateRequire } from 'node:module'; const require = __portdeskCreateRequire(import.meta.url);";

/**
 * date-holidays-parser imports moment-timezone, whose default entry loads every time zone of the
 * world (~720 KB minified). The calendar never hands the parser a zone (luxon does zones), so the
 * data-less build of the same package is enough.
 */
export const MODULE_ALIASES: Record<string, string> = {
  'moment-timezone': 'moment-timezone/moment-timezone.js',
  // The planetary series behind equinox/solstice holidays, which none of our markets has.
  'astronomia/data/vsop87Bearth': fileURLToPath(new URL('./shims/no-vsop87-earth.js', import.meta.url)),
};

export const ESBUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  banner: { js: REQUIRE_BANNER },
  alias: MODULE_ALIASES,
  // The AWS SDK v3 ships with the nodejs24.x runtime: taking it from there keeps every bundle
  // under budget (it is ~300 KB of each). Tests run the same major version against DynamoDB Local.
  external: ['@aws-sdk/*', '@smithy/*'],
};
