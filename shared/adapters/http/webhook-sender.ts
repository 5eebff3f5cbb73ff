// The WebhookSender port on the global fetch: one POST, 10 s at most, redirects not followed (a 3xx
// is the answer), the response body ignored. Hosts that resolve to loopback, private, link-local
// or otherwise internal addresses are refused (no requests into our own network on a customer's
// say-so) unless explicitly allowed (the local runtime and tests, PORTDESK_ALLOW_PRIVATE_WEBHOOKS=1).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhookSender } from '../../app/ports.ts';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface HttpWebhookSenderOptions {
  /** Allow hosts on loopback / private / link-local addresses (local runtime and tests only). */
  allowPrivateAddresses?: boolean;
  timeoutMs?: number;
  /** Resolves a host name to its addresses; defaults to the system resolver (dns.lookup, all). */
  resolve?: (host: string) => Promise<string[]>;
}

/** The URL's host resolves to an address we refuse to call. */
export class ForbiddenWebhookAddressError extends Error {
  override readonly name = 'ForbiddenWebhookAddressError';
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (embeds IPv4)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (embedded IPv4 tail included); null if malformed. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** Whether we refuse to send to this IP address (v4 or v6; IPv4-mapped and -compatible v6 by their IPv4). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  const groups = ipv6Groups(address);
  if (groups === null) return true;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && (g5 === 0xffff || (g5 === 0 && g6 !== 0))) {
    return isForbiddenAddress(`${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`);
  }
  return blocked.check(address.split('%')[0] ?? address, 'ipv6');
}

const systemResolve = async (host: string): Promise<string[]> => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

export class HttpWebhookSender implements WebhookSender {
  private readonly allowPrivate: boolean;
  private readonly timeoutMs: number;
  private readonly resolve: (host: string) => Promise<string[]>;

  constructor(options: HttpWebhookSenderOptions = {}) {
    this.allowPrivate = options.allowPrivateAddresses ?? false;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.resolve = options.resolve ?? systemResolve;
  }

  async post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new Error(`Webhook URL scheme ${target.protocol} is not supported; use https.`);
    }
    if (!this.allowPrivate) await this.checkHost(target.hostname);
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'PortDesk-Webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // The receiver's answer is not read: only the status counts. Release the connection.
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  }

  /** Throws ForbiddenWebhookAddressError when the host is, or resolves to, an internal address. */
  private async checkHost(hostname: string): Promise<void> {
    const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    const lower = host.toLowerCase().replace(/\.$/, '');
    if (lower === 'localhost' || lower.endsWith('.localhost')) {
      throw new ForbiddenWebhookAddressError(`Webhook host ${hostname} is a loopback name; webhooks must reach a public address.`);
    }
    const addresses = isIP(host) !== 0 ? [host] : await this.resolve(host);
    if (addresses.length === 0) throw new Error(`Webhook host ${hostname} did not resolve to any address.`);
    const forbidden = addresses.find(isForbiddenAddress);
    if (forbidden !== undefined) {
      throw new ForbiddenWebhookAddressError(
        `Webhook host ${hostname} resolves to ${forbidden}, a loopback, private or link-local address; webhooks must reach a public address.`,
      );
    }
  }
}
