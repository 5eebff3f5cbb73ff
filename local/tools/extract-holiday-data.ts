// Writes shared/rules/holiday-data.json: the slice of date-holidays' data that our markets need.
// The full package ships every country's rules (~2 MB); shared/ code must stay small enough for a
// Lambda bundle, so it loads this slice with date-holidays-parser instead (same engine, same rules).
// Re-run after upgrading date-holidays (`npx tsx local/tools/extract-holiday-data.ts`);
// test/rules/calendar.test.ts fails when the slice and the package disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MARKETS } from '../../shared/rules/types.ts';
import { policyFor } from '../../shared/rules/markets.ts';

type Json = Record<string, any>;

const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('date-holidays/package.json')), 'data', 'holidays.json');
const full = JSON.parse(readFileSync(source, 'utf8')) as Json;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'rules', 'holiday-data.json');

const holidays: Json = {};
/** Copies a country, keeping only the wanted state (other states are dead weight). */
function take(country: string, state?: string): void {
  const data = full.holidays[country];
  if (!data) throw new Error(`date-holidays has no country ${country}`);
  const kept: Json = { ...data, ...(holidays[country] ?? {}) };
  for (const key of ['states', 'regions'] as const) {
    if (!data[key]) continue;
    const wanted = state !== undefined && data[key][state] ? { [state]: data[key][state] } : {};
    kept[key] = { ...(holidays[country]?.[key] ?? {}), ...wanted };
    if (Object.keys(kept[key]).length === 0) delete kept[key];
  }
  holidays[country] = kept;
}

for (const market of MARKETS) {
  const { country, state } = policyFor(market).holidayRegion;
  take(country, state);
}

// A state may borrow another country's days (`_days: "YT"` or `_days: ["YT"]`); take those too.
const names = new Set<string>(['substitutes']); // the parser names substitute days from names.substitutes
const visit = (node: unknown): void => {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '_name' && typeof value === 'string') names.add(value);
    else if (key === '_days') {
      const ref = ([] as string[]).concat(value as string | string[]);
      if (ref.length !== 1 || !ref[0]) throw new Error(`unsupported _days reference ${JSON.stringify(value)}`);
      if (!holidays[ref[0]]) {
        take(ref[0]);
        visit(holidays[ref[0]]);
      }
    } else visit(value);
  }
};
visit(holidays);

const slice = {
  version: full.version,
  license: full.license,
  source: 'date-holidays (https://github.com/commenthol/date-holidays), data/holidays.json',
  holidays,
  names: Object.fromEntries([...names].sort().map((name) => {
    if (!full.names[name]) throw new Error(`date-holidays names has no ${name}`);
    return [name, full.names[name]];
  })),
};
writeFileSync(out, `${JSON.stringify(slice, null, 1)}\n`);
console.log(`wrote ${out}: ${Object.keys(holidays).join(', ')}; ${names.size} shared names; data version ${full.version}`);
