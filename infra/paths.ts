// Where the repository lives, resolved from this file so that infra works the same when the
// CDK CLI runs it from the repo root and when vitest imports it from anywhere.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

export const LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');

/** The entry file of a Lambda handler module (`api/port-ins/create` -> functions/api/port-ins/create.ts). */
export function functionEntry(handlerModule: string): string {
  const entry = path.join(REPO_ROOT, 'functions', `${handlerModule}.ts`);
  if (!existsSync(entry)) {
    throw new Error(`Handler module ${handlerModule} has no entry file at ${entry}`);
  }
  return entry;
}
