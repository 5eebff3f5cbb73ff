// `npm start`: the whole service on one machine. DynamoDB Local (persistent, under the data dir)
// plus local/runtime.ts: the API Gateway stand-in in front of the same handler modules AWS runs,
// the synthesized state machine on a local Step Functions runner, SES -> a mail catcher with a web
// inbox, EventBridge, the schedules and a voice-platform stand-in.
//
// Settings (all optional):
//   PORT                   HTTP port on 127.0.0.1 (default 3000)
//   PORTDESK_DATA_DIR      where local data lives (default ./.portdesk)
//   PORTDESK_OPERATOR_KEY  the operator API key; unset: generated once, kept in <data dir>/operator-key
//   DYNAMODB_LOCAL_PORT    DynamoDB Local's port (default: any free port)
//   MAIL_WEB_PORT          the mail catcher's web inbox on 127.0.0.1 (default 1080)
//   SMTP_PORT              the porting mailbox's SMTP port on 127.0.0.1 (default 2525)
//   PORTDESK_INTAKE_ADDRESS the porting mailbox address (default porting@portdesk.local)
//   PORTDESK_OPERATOR_EMAIL where operator emails go (default operator@portdesk.local)
//   TABLE_NAME, AWS_REGION (defaults portdesk, ap-southeast-2)
// Exit codes: 0 stopped cleanly, 1 failed to start, 2 Java missing, 3 a port is in use, 130 forced stop.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join, resolve } from 'node:path';
import { generateApiKey, hashApiKey } from '../shared/app/api-keys.ts';
import { findFreePort, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { startLocalRuntime, type LocalRuntime } from './runtime.ts';

const HOST = '127.0.0.1';

export const EXIT = { ok: 0, failed: 1, javaMissing: 2, portInUse: 3, forced: 130 } as const;

class StartupError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

interface Settings {
  port: number;
  dataDir: string;
  operatorKeyFromEnv: string | undefined;
  dynamoPort: number | undefined;
  mailWebPort: number;
  smtpPort: number;
  intakeAddress: string;
  operatorEmail: string;
  tableName: string;
  region: string;
}

function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function portSetting(name: string, fallback: number | undefined): number | undefined {
  const raw = env(name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StartupError(`${name}=${raw} is not a port number (1-65535).`, EXIT.failed);
  }
  return port;
}

function readSettings(): Settings {
  return {
    port: portSetting('PORT', 3000) as number,
    dataDir: resolve(env('PORTDESK_DATA_DIR') ?? '.portdesk'),
    operatorKeyFromEnv: env('PORTDESK_OPERATOR_KEY'),
    dynamoPort: portSetting('DYNAMODB_LOCAL_PORT', undefined),
    mailWebPort: portSetting('MAIL_WEB_PORT', 1080) as number,
    smtpPort: portSetting('SMTP_PORT', 2525) as number,
    intakeAddress: env('PORTDESK_INTAKE_ADDRESS') ?? 'porting@portdesk.local',
    operatorEmail: env('PORTDESK_OPERATOR_EMAIL') ?? 'operator@portdesk.local',
    tableName: env('TABLE_NAME') ?? 'portdesk',
    region: env('AWS_REGION') ?? 'ap-southeast-2',
  };
}

const JAVA_HELP =
  'DynamoDB Local needs Java 17 or newer on PATH.\n' +
  'Install one, for example:\n' +
  '  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless\n' +
  '  macOS:         brew install openjdk@17\n' +
  '  Windows/other: https://adoptium.net (Temurin 17 or 21)\n' +
  'then check that `java -version` works and run npm start again.';

function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${String(result.status)}`;
    throw new StartupError(`\`java -version\` did not work (${why}).\n${JAVA_HELP}`, EXIT.javaMissing);
  }
  const output = `${result.stderr}${result.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (m) {
    const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
    if (major < 17) throw new StartupError(`Found Java ${major}, which is too old.\n${JAVA_HELP}`, EXIT.javaMissing);
  }
}

/** Resolves when the port can be bound on 127.0.0.1; a StartupError (exit 3) when it is taken. */
function checkPortFree(port: number, setting: string): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createNetServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      fail(portError(port, setting, error));
    });
    probe.listen(port, HOST, () => probe.close(() => done()));
  });
}

function portError(port: number, setting: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(`port ${port} is in use; set ${setting}=<another port> (e.g. ${setting}=${port + 1} npm start)`, EXIT.portInUse);
  }
  if (error.code === 'EACCES') {
    return new StartupError(`port ${port} may not be used by this user; set ${setting}=<a port above 1023>`, EXIT.portInUse);
  }
  return error;
}

/** The operator key from the environment, or the one kept in the data dir (created on first start). */
function operatorKey(settings: Settings): { key: string; source: string } {
  if (settings.operatorKeyFromEnv !== undefined) {
    return { key: settings.operatorKeyFromEnv, source: 'from PORTDESK_OPERATOR_KEY' };
  }
  const file = join(settings.dataDir, 'operator-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key === '') {
      throw new StartupError(`${file} is empty; delete it to generate a new operator key.`, EXIT.failed);
    }
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { key, source: `kept in ${file}` };
  }
  const key = generateApiKey('operator');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: `generated, kept in ${file}` };
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  let dynamo: DynamoDbLocal | undefined;
  let runtime: LocalRuntime | undefined;
  let stopping = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      complain(`Second ${signal}: forcing exit.`);
      process.exit(EXIT.forced);
    }
    stopping = true;
    say(`${signal} received: stopping PortDesk (press Ctrl-C again to force).`);
    try {
      if (runtime) await runtime.close();
      if (dynamo) await dynamo.stop();
      say('PortDesk stopped.');
      process.exit(EXIT.ok);
    } catch (error) {
      complain(`Error while stopping: ${(error as Error).message}`);
      process.exit(EXIT.failed);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(signal));
  }

  try {
    const settings = readSettings();
    checkJava();
    await checkPortFree(settings.port, 'PORT');
    await checkPortFree(settings.mailWebPort, 'MAIL_WEB_PORT');
    await checkPortFree(settings.smtpPort, 'SMTP_PORT');
    if (settings.dynamoPort !== undefined) await checkPortFree(settings.dynamoPort, 'DYNAMODB_LOCAL_PORT');

    mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
    const { key, source } = operatorKey(settings);

    const dynamoPort = settings.dynamoPort ?? (await findFreePort());
    dynamo = await startDynamoDbLocal({ port: dynamoPort, dataDir: join(settings.dataDir, 'dynamodb') });
    if (stopping) return;

    // Handlers read these at module load: set them before any handler module is imported.
    process.env['TABLE_NAME'] = settings.tableName;
    process.env['DYNAMODB_ENDPOINT'] = dynamo.endpoint;
    process.env['AWS_REGION'] = settings.region;
    process.env['AWS_DEFAULT_REGION'] = settings.region;
    // DynamoDB Local accepts any credentials; never let the SDK reach for real ones here.
    process.env['AWS_ACCESS_KEY_ID'] = 'local';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
    delete process.env['AWS_SESSION_TOKEN'];
    delete process.env['AWS_PROFILE'];

    const [{ createDocumentClient }, { ensureTable }, { DynamoRepository }, { serviceClock }] = await Promise.all([
      import('../shared/adapters/dynamo/client.ts'),
      import('../shared/adapters/dynamo/create-table.ts'),
      import('../shared/adapters/dynamo/repository.ts'),
      import('../shared/app/clock.ts'),
    ]);
    const client = createDocumentClient({ endpoint: dynamo.endpoint, region: settings.region });
    await ensureTable(client, settings.tableName);
    const repository = new DynamoRepository(client, settings.tableName);
    // Idempotent across restarts: the key's record is written once and then left as it is.
    const keyHash = hashApiKey(key);
    const existing = await repository.getApiKey(keyHash);
    if (existing === null) {
      await repository.putApiKey({ keyHash, role: 'operator', accountId: null, carrierId: null, createdAt: serviceClock.now().toISOString() });
    } else if (existing.role !== 'operator') {
      throw new StartupError(`The operator key (${source}) is already a ${existing.role} key in this data dir; use another key.`, EXIT.failed);
    }
    if (stopping) return;

    say('Starting the local stand-ins (the first CDK synthesis takes a few seconds)...');
    runtime = await startLocalRuntime({
      dynamoEndpoint: dynamo.endpoint,
      tableName: settings.tableName,
      region: settings.region,
      dataDir: settings.dataDir,
      port: settings.port,
      mailWebPort: settings.mailWebPort,
      smtpPort: settings.smtpPort,
      intakeAddress: settings.intakeAddress,
      operatorEmail: settings.operatorEmail,
      log: complain,
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? portError(settings.port, 'PORT, MAIL_WEB_PORT or SMTP_PORT', error) : error;
    });
    if (stopping) return;

    const url = `http://${HOST}:${settings.port}`;
    say('');
    say(`PortDesk is running at ${url}`);
    say(`  Operator key  ${key}`);
    say(`                (${source}; a local dev secret, send it as "Authorization: Bearer <key>")`);
    say(`  OpenAPI       ${url}/openapi.json`);
    say(`  Data dir      ${settings.dataDir}`);
    say(`  DynamoDB      ${dynamo.endpoint} (DynamoDB Local)`);
    say(`  Clock         GET/POST ${url}/_local/clock  (freeze: {"now":"2026-03-02T09:00:00+10:00"}, unfreeze: {"now":null})`);
    say(`  Mail inbox    ${runtime.mailInboxUrl}  (every email PortDesk sends; as JSON: GET ${url}/_local/outbox)`);
    say(`  Scheduler     deadline check every minute, outbox every 10 s; now: POST ${url}/_local/scheduler/run`);
    say(`  Workflow      ${runtime.stateMachineArn} (local Step Functions at ${runtime.awsEndpoint})`);
    say(`  Events        GET ${url}/_local/events (what was published on the event bus)`);
    say(`  Mailbox       smtp://127.0.0.1:${runtime.smtpPort} for ${runtime.intakeAddress} (carriers' and customers' emails; README: "Send a test mail")`);
    say('  Walkthrough   README.md, "Run it locally"; Ctrl-C stops.');
    say('');
  } catch (error) {
    if (runtime) await runtime.close().catch(() => undefined);
    if (dynamo) await dynamo.stop().catch(() => undefined);
    if (error instanceof StartupError) {
      complain(error.message);
      process.exit(error.exitCode);
    }
    complain(`PortDesk could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(EXIT.failed);
  }
}

await main();
