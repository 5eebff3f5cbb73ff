// Webhook signatures. Every delivery carries
//   PortDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
// keyed with the webhook's secret (the whole `whsec_...` string, as UTF-8). Receivers recompute the
// HMAC over the raw body exactly as received, compare in constant time and refuse old timestamps
// (replays). Several v1 entries may appear (secret rotation): any one matching is enough.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'PortDesk-Signature';
export const EVENT_ID_HEADER = 'PortDesk-Event-Id';
export const EVENT_TYPE_HEADER = 'PortDesk-Event-Type';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const unixSeconds = (at: Date | number): number => (typeof at === 'number' ? Math.floor(at) : Math.floor(at.getTime() / 1000));

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/**
 * The `PortDesk-Signature` header value for `body` sent at `timestamp` (a Date, or unix seconds).
 */
export function signPayload(secret: string, body: string, timestamp: Date | number): string {
  if (secret === '') throw new Error('A webhook secret is required to sign');
  const t = unixSeconds(timestamp);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Whether `header` is a valid signature of `body` with `secret`, made within `toleranceSeconds`
 * of `now` (either way, for clock skew). Never throws on malformed input: it is simply not valid.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  now: Date,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (typeof header !== 'string' || header.length > 4096 || secret === '') return false;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,15}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(unixSeconds(now) - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  let ok = false;
  // Compare with every candidate (no early exit) in constant time.
  for (const signature of signatures) {
    const given = Buffer.from(signature, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
