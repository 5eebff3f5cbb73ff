// `npm start` end to end: spawns the real local runtime (tsx local/start.ts) with its own data dir
// and ports, talks to it over HTTP, stops it with SIGINT and starts it again on the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../local/dynamodb-local.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX_CLI = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

interface Running {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Running[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  for (const run of started) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portdesk-start-'));
  tempDirs.push(dir);
  return dir;
}

/** Spawns `tsx local/start.ts` like `npm start` does, with the project's Node (the one running vitest). */
let nextMailPort = 20000 + Math.floor(Math.random() * 20000);

function spawnStart(env: Record<string, string | undefined>): Running {
  const childEnv: Record<string, string> = {};
  // The mail inbox's and mailbox's default ports (1080, 2525) may be taken on a shared machine: each run gets others.
  for (const [k, v] of Object.entries({ ...process.env, MAIL_WEB_PORT: String(nextMailPort++), SMTP_PORT: String(nextMailPort++), ...env })) if (v !== undefined) childEnv[k] = v;
  const child = spawn(process.execPath, [TSX_CLI, 'local/start.ts'], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { child, output: () => out, errors: () => err, exited };
  started.push(run);
  return run;
}

async function waitForBanner(run: Running, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (/PortDesk is running at/.test(run.output()) && /Walkthrough/.test(run.output())) return run.output();
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`local runtime did not start (exit ${String(run.child.exitCode)}):\n${run.output()}\n${run.errors()}`);
}

async function stopWithSigint(run: Running): Promise<number | null> {
  run.child.kill('SIGINT');
  const result = await Promise.race([
    run.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit after SIGINT:\n${run.output()}\n${run.errors()}`)), 15_000)),
  ]);
  return result.code;
}

/** Command lines of running processes that mention `needle` (Linux /proc; empty elsewhere). */
function processesMentioning(needle: string): string[] {
  if (!existsSync('/proc')) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // the process went away meanwhile
    }
  }
  return found;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const operatorKeyIn = (banner: string): string | undefined => /Operator key\s+(\S+)/.exec(banner)?.[1];

describe('npm start (local/start.ts)', () => {
  it('serves the API, stops cleanly on SIGINT and keeps its data across restarts', { timeout: 400_000 }, async () => {
    const dataDir = tempDir();
    const port = await findFreePort();
    const dynamoPort = await findFreePort();
    const envKey = 'pd_op_test_key_from_the_environment_0001';

    // 1. First start, operator key from the environment.
    const spawnedAt = performance.now();
    const first = spawnStart({ PORT: String(port), PORTDESK_DATA_DIR: dataDir, DYNAMODB_LOCAL_PORT: String(dynamoPort), PORTDESK_OPERATOR_KEY: envKey });
    const banner = await waitForBanner(first);
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/health`);
    const startupMs = Math.round(performance.now() - spawnedAt);
    expect(health.status).toBe(200);
    console.info(`local runtime: spawn to /health 200 in ${startupMs} ms`);

    expect(banner).toContain(base);
    expect(operatorKeyIn(banner)).toBe(envKey);
    expect(banner).toContain(`${base}/openapi.json`);
    expect(banner).toContain(dataDir);
    expect(banner).toMatch(/README/);
    expect(existsSync(join(dataDir, 'operator-key'))).toBe(false); // an env key is never written down

    // API Gateway's authorizer answers.
    const noKey = await fetch(`${base}/v1/accounts`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ message: 'Unauthorized' });
    const wrongKey = await fetch(`${base}/v1/accounts`, { headers: { authorization: 'Bearer pd_op_not_a_real_key' } });
    expect(wrongKey.status).toBe(403);
    expect(await wrongKey.json()).toEqual({ message: 'Forbidden' });
    expect((await fetch(`${base}/v1/nothing-here`)).status).toBe(404);
    const rightKey = await fetch(`${base}/v1/accounts`, { headers: { authorization: `Bearer ${envKey}` } });
    expect([401, 403, 500]).not.toContain(rightKey.status); // the operator key's hash is in the table

    // The local clock.
    const frozen = await fetch(`${base}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: '2026-03-02T09:30:00+10:00' }),
    });
    expect(frozen.status).toBe(200);
    expect(await frozen.json()).toEqual({ now: '2026-03-01T23:30:00.000Z', frozen: true });
    expect(await (await fetch(`${base}/_local/clock`)).json()).toEqual({ now: '2026-03-01T23:30:00.000Z', frozen: true });
    const thawed = await fetch(`${base}/_local/clock`, { method: 'POST', body: '{"now":null}' });
    expect(((await thawed.json()) as { frozen: boolean }).frozen).toBe(false);

    // Logs: one line per request, never the key.
    expect(first.output()).toMatch(/"msg":"request"/);
    expect(first.output().split(envKey)).toHaveLength(2); // only in the banner
    expect(first.errors()).not.toContain(envKey);

    // Ctrl-C: exit 0, DynamoDB Local gone.
    expect(processesMentioning(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
    expect(await stopWithSigint(first)).toBe(0);
    expect(processesMentioning(join(dataDir, 'dynamodb'))).toEqual([]);
    expect(await isListening(dynamoPort)).toBe(false);
    expect(await isListening(port)).toBe(false);

    // 2. Without PORTDESK_OPERATOR_KEY: a key is generated and kept with mode 0600.
    const second = spawnStart({ PORT: String(port), PORTDESK_DATA_DIR: dataDir, PORTDESK_OPERATOR_KEY: undefined, DYNAMODB_LOCAL_PORT: undefined });
    const generatedKey = operatorKeyIn(await waitForBanner(second));
    expect(generatedKey).toMatch(/^pd_op_[A-Za-z0-9_-]{20,}$/);
    const keyFile = join(dataDir, 'operator-key');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(generatedKey);
    if (process.platform !== 'win32') expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await stopWithSigint(second)).toBe(0);

    // 3. Again on the same data dir: the same key, read back from the file.
    const third = spawnStart({ PORT: String(port), PORTDESK_DATA_DIR: dataDir, PORTDESK_OPERATOR_KEY: undefined, DYNAMODB_LOCAL_PORT: undefined });
    expect(operatorKeyIn(await waitForBanner(third))).toBe(generatedKey);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    // The key stored by the first run (not re-stored since) still works: the table persisted.
    const persisted = await fetch(`${base}/v1/accounts`, { headers: { authorization: `Bearer ${envKey}` } });
    expect([401, 403, 500]).not.toContain(persisted.status);
    const generated = await fetch(`${base}/v1/accounts`, { headers: { authorization: `Bearer ${generatedKey}` } });
    expect([401, 403, 500]).not.toContain(generated.status);
    expect(await stopWithSigint(third)).toBe(0);
    expect(processesMentioning(join(dataDir, 'dynamodb'))).toEqual([]);
  });

  it('exits with code 3 and says so when PORT is taken', async () => {
    const busy: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const run = spawnStart({ PORT: String(port), PORTDESK_DATA_DIR: tempDir(), PORTDESK_OPERATOR_KEY: 'pd_op_unused' });
      const { code } = await run.exited;
      expect(code).toBe(3);
      expect(run.errors()).toContain(`port ${port} is in use; set PORT=`);
    } finally {
      busy.close();
    }
  });

  it('exits with code 2 and explains how to install Java when java is not on PATH', async () => {
    const run = spawnStart({ PATH: tempDir(), PORT: String(await findFreePort()), PORTDESK_DATA_DIR: tempDir() });
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.errors()).toMatch(/Java 17 or newer/);
    expect(run.errors()).toMatch(/openjdk-17/);
  });
});
