// Routes that exist ONLY in the local server (never in the route table, so never in AWS):
//   GET  /_local/clock                         -> 200 {"now": "<iso>", "frozen": false|true}
//   POST /_local/clock {"now": "<ISO 8601>"}    -> freezes the service clock at that instant
//   POST /_local/clock {"now": null}            -> back to real time
// No authorization: the local server listens on 127.0.0.1 only.
import { freezeServiceClock, isServiceClockFrozen, serviceClock } from '../shared/app/clock.ts';
import type { Issue } from '../shared/rules/types.ts';

export const LOCAL_PREFIX = '/_local';

export interface LocalRouteRequest {
  method: string;
  rawPath: string;
  body: Buffer;
}

export interface LocalRouteResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function isLocalPath(rawPath: string): boolean {
  return rawPath === LOCAL_PREFIX || rawPath.startsWith(`${LOCAL_PREFIX}/`);
}

/** More local routes, by `METHOD /path` (e.g. the scheduler's and outbox's, added by the local runtime). */
export type LocalRouteHandler = (req: LocalRouteRequest) => Promise<LocalRouteResponse> | LocalRouteResponse;

export async function handleLocalRoute(
  req: LocalRouteRequest,
  extra: Readonly<Record<string, LocalRouteHandler>> = {},
): Promise<LocalRouteResponse> {
  const handler = extra[`${req.method.toUpperCase()} ${req.rawPath}`];
  if (handler) return handler(req);
  if (req.rawPath !== `${LOCAL_PREFIX}/clock`) {
    return json(404, { message: 'Not Found' });
  }
  switch (req.method.toUpperCase()) {
    case 'GET':
      return clockState();
    case 'POST':
      return setClock(req.body);
    default:
      return {
        ...problem(405, 'Method Not Allowed', 'method_not_allowed', `${LOCAL_PREFIX}/clock accepts GET and POST only.`, []),
        headers: { 'content-type': 'application/problem+json', allow: 'GET, POST' },
      };
  }
}

function clockState(): LocalRouteResponse {
  return json(200, { now: serviceClock.now().toISOString(), frozen: isServiceClockFrozen() });
}

const NOW_HINT = 'Send {"now": "<ISO 8601 instant with Z or an offset, e.g. 2026-03-02T09:30:00+10:00>"} to freeze the clock, or {"now": null} to return to real time.';

function setClock(body: Buffer): LocalRouteResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return badRequest('The request body must be a JSON object.', [
      { code: 'invalid_json', path: '', message: `The body is not valid JSON. ${NOW_HINT}` },
    ]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return badRequest('The request body must be a JSON object.', [
      { code: 'invalid_type', path: '', message: `Expected a JSON object. ${NOW_HINT}` },
    ]);
  }
  if (!('now' in parsed)) {
    return badRequest('"now" is required.', [{ code: 'required', path: 'now', message: NOW_HINT }]);
  }
  const now = (parsed as { now: unknown }).now;
  if (now === null) {
    freezeServiceClock(null);
    return clockState();
  }
  const instant = typeof now === 'string' ? parseInstant(now) : null;
  if (!instant) {
    return badRequest('"now" must be an ISO 8601 instant with Z or an offset, or null.', [
      { code: 'invalid_datetime', path: 'now', message: NOW_HINT },
    ]);
  }
  freezeServiceClock(instant);
  return clockState();
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** An ISO 8601 date-time WITH a designator (Z or ±hh:mm), checked field by field; null when invalid. */
export function parseInstant(text: string): Date | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  let offsetMinutes = 0;
  const zone = m[8] as string;
  if (zone.toUpperCase() !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function json(statusCode: number, value: unknown): LocalRouteResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function badRequest(detail: string, errors: Issue[]): LocalRouteResponse {
  return problem(400, 'Bad Request', 'invalid_request', detail, errors);
}

function problem(status: number, title: string, code: string, detail: string, errors: Issue[]): LocalRouteResponse {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title, status, code, detail, errors }),
  };
}
