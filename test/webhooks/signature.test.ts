// Webhook signatures: what receivers verify (PortDesk-Signature: t=<unix s>,v1=<hex HMAC-SHA256>).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signPayload, verifySignature } from '../../shared/app/webhook-signature.ts';
import { generateWebhookSecret } from '../../shared/app/use-cases/webhooks.ts';

const secret = 'whsec_test-secret-for-signatures';
const body = JSON.stringify({ id: 'pin_1.2.0', type: 'PortIn.StatusChanged', data: { to: 'submitted' } });
const at = new Date('2026-03-02T00:00:00Z');
const seconds = (offset: number) => new Date(at.getTime() + offset * 1000);

describe('signPayload', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> keyed with the whole secret', () => {
    const header = signPayload(secret, body, at);
    const t = at.getTime() / 1000;
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${expected}`);
  });
  it('takes unix seconds as well as a Date, and drops milliseconds', () => {
    expect(signPayload(secret, body, at.getTime() / 1000)).toBe(signPayload(secret, body, new Date(at.getTime() + 999)));
  });
  it('refuses an empty secret', () => {
    expect(() => signPayload('', body, at)).toThrow(/secret/);
  });
});

describe('verifySignature', () => {
  const header = signPayload(secret, body, at);

  it('accepts the signature within the tolerance, either side (clock skew)', () => {
    expect(verifySignature(secret, body, header, at)).toBe(true);
    expect(verifySignature(secret, body, header, seconds(300))).toBe(true);
    expect(verifySignature(secret, body, header, seconds(-300))).toBe(true);
    expect(verifySignature(secret, body, header, seconds(30), 30)).toBe(true);
  });
  it('refuses a signature older (or newer) than the tolerance: replays', () => {
    expect(verifySignature(secret, body, header, seconds(301))).toBe(false);
    expect(verifySignature(secret, body, header, seconds(-301))).toBe(false);
    expect(verifySignature(secret, body, header, seconds(31), 30)).toBe(false);
  });
  it('refuses a tampered body, timestamp, signature or the wrong secret', () => {
    expect(verifySignature(secret, body.replace('submitted', 'completed'), header, at)).toBe(false);
    expect(verifySignature(secret, `${body} `, header, at)).toBe(false);
    const t = at.getTime() / 1000;
    expect(verifySignature(secret, body, header.replace(`t=${t}`, `t=${t + 1}`), at)).toBe(false);
    const v1 = header.split('v1=')[1]!;
    const flipped = `${v1.slice(0, -1)}${v1.endsWith('0') ? '1' : '0'}`;
    expect(verifySignature(secret, body, `t=${t},v1=${flipped}`, at)).toBe(false);
    expect(verifySignature(`${secret}x`, body, header, at)).toBe(false);
    expect(verifySignature(generateWebhookSecret(), body, header, at)).toBe(false);
  });
  it('refuses malformed headers without throwing', () => {
    const t = at.getTime() / 1000;
    const v1 = header.split('v1=')[1]!;
    for (const bad of [undefined, null, '', 'garbage', `t=${t}`, `v1=${v1}`, `t=abc,v1=${v1}`, `t=${t},v1=${v1.slice(2)}`, `t=${t},v0=${v1}`, `t=${t},v1=${'z'.repeat(64)}`]) {
      expect(verifySignature(secret, body, bad, at)).toBe(false);
    }
    expect(verifySignature('', body, header, at)).toBe(false);
  });
  it('accepts any one matching v1 among several (secret rotation), in any order, with spaces', () => {
    const t = at.getTime() / 1000;
    const good = header.split('v1=')[1]!;
    const other = signPayload('whsec_old', body, at).split('v1=')[1]!;
    expect(verifySignature(secret, body, `t=${t}, v1=${other}, v1=${good}`, at)).toBe(true);
    expect(verifySignature(secret, body, `v1=${good.toUpperCase()},t=${t}`, at)).toBe(true);
    expect(verifySignature(secret, body, `t=${t},v1=${other}`, at)).toBe(false);
  });
});

describe('properties', () => {
  const bodies = fc.oneof(fc.string({ unit: 'binary' }), fc.json(), fc.string({ unit: 'grapheme', maxLength: 2000 }));
  // Well-formed text only where bodies must differ: lone surrogates all encode to U+FFFD in UTF-8,
  // so two different JS strings can be the same bytes on the wire (and rightly the same signature).
  const texts = fc.oneof(fc.json(), fc.string({ unit: 'grapheme', maxLength: 2000 }));
  const instants = fc.integer({ min: 0, max: 4_102_444_800 }); // 1970 .. 2100, unix seconds

  it('any body signed with any secret at any time verifies', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), bodies, instants, (key, payload, t) => {
        expect(verifySignature(key, payload, signPayload(key, payload, t), new Date(t * 1000))).toBe(true);
      }),
    );
  });
  it('any other body does not verify', () => {
    fc.assert(
      fc.property(texts, texts, instants, (payload, other, t) => {
        fc.pre(payload !== other);
        expect(verifySignature(secret, other, signPayload(secret, payload, t), new Date(t * 1000))).toBe(false);
      }),
    );
  });
});

describe('secrets', () => {
  it('are whsec_ plus 32 random bytes in base64url, different every time', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64url')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
