// Local stand-in for our voice platform's test-call API (the platform itself cannot run here). It is
// served by the local AWS stand-in server (local/aws/server.ts) under `/voice`, so the handlers'
// VOICE_PLATFORM_URL is `<stand-in server>/voice` and they POST to `/voice/test-calls`. Every call is
// answered, except to the numbers listed in `unanswered` (to try the unanswered path); calls are kept
// in memory for tests and the local runtime.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsEndpoint } from './aws/endpoint.ts';

export const VOICE_PATH_PREFIX = '/voice';
const TEST_CALLS_PATH = `${VOICE_PATH_PREFIX}/test-calls`;

export interface PlacedTestCall {
  to: string;
  answered: boolean;
  at: string;
}

export interface VoicePlatformStandInOptions {
  /** E.164 numbers whose test calls ring out unanswered. */
  unanswered?: Iterable<string>;
}

export interface VoicePlatformStandIn extends AwsEndpoint {
  /** The test calls placed, oldest first. */
  calls(): PlacedTestCall[];
  /** Make calls to this number go unanswered (or answered again). */
  setUnanswered(e164: string, unanswered: boolean): void;
  clear(): void;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createVoicePlatformStandIn(options: VoicePlatformStandInOptions = {}): VoicePlatformStandIn {
  const unanswered = new Set(options.unanswered ?? []);
  const placed: PlacedTestCall[] = [];
  return {
    service: 'voice',
    matches: (req: IncomingMessage) => (req.url ?? '').split('?')[0]?.startsWith(`${VOICE_PATH_PREFIX}/`) === true,
    async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
      const path = (req.url ?? '').split('?')[0];
      if (path !== TEST_CALLS_PATH) return sendJson(res, 404, { message: `No voice platform route ${path}` });
      if (req.method !== 'POST') return sendJson(res, 405, { message: 'Use POST' });
      let to: unknown;
      try {
        to = (JSON.parse(body.toString('utf8')) as { to?: unknown }).to;
      } catch {
        return sendJson(res, 400, { message: 'The body must be JSON: { "to": "+E.164" }' });
      }
      if (typeof to !== 'string' || !/^\+[1-9]\d{5,14}$/.test(to)) {
        return sendJson(res, 400, { message: '`to` must be an E.164 number' });
      }
      const answered = !unanswered.has(to);
      placed.push({ to, answered, at: new Date().toISOString() });
      sendJson(res, 200, {
        answered,
        detail: answered ? 'Answered on our network (local stand-in)' : 'Rang out without an answer (local stand-in)',
      });
    },
    calls: () => placed.map((call) => ({ ...call })),
    setUnanswered(e164, value) {
      if (value) unanswered.add(e164);
      else unanswered.delete(e164);
    },
    clear() {
      placed.length = 0;
    },
  };
}
