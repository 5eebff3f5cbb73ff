// The newest part of a reply or forward (issue 4 "Parsing": replies quoting earlier mail, forwarded mail).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isForwardSubject, newestPart } from '../../shared/rules/email/quotes.ts';

const REF = '[PD-pin_k3vq7x2mzt5hr4na]';

describe('newestPart: reply markers cut the history', () => {
  it.each<[string, string, string]>([
    [
      'Gmail, attribution wrapped over two lines',
      `Hello,\n\nThe transfer date for this port has been set to 3 December 2026.\n\nRegards,\nMeridian Telecom porting\n\nOn Tue, 1 Dec 2026 at 09:12, PortDesk porting desk <porting@portdesk.example.test>\nwrote:\n> Status: Rejected\n> Reason: Account number does not match`,
      'Hello,\n\nThe transfer date for this port has been set to 3 December 2026.\n\nRegards,\nMeridian Telecom porting',
    ],
    [
      'Gmail in French, "a écrit :" with a narrow no-break space',
      `Bonjour,\nLa portabilité est prévue le 3 déc. 2026.\n\nLe mar. 1 déc. 2026 à 09:12, Service Portabilité <portabilite@operateur.example.test> a\nécrit\u202f:\n> Statut : rejeté\n> Motif : RIO invalide`,
      'Bonjour,\nLa portabilité est prévue le 3 déc. 2026.',
    ],
    [
      'Thunderbird attribution',
      `Port completed on 3/12/2026.\n\nOn 01/12/2026 09:12, PortDesk wrote:\n> Please port 07 3123 4567.`,
      'Port completed on 3/12/2026.',
    ],
    [
      'a bare "… wrote:" line above a quote',
      `Confirmed for 3 December 2026.\n\nPortDesk porting desk <porting@portdesk.example.test> wrote:\n\n> Please confirm a date.`,
      'Confirmed for 3 December 2026.',
    ],
    [
      'Outlook, with its rule line',
      `Please see the schedule below.\n\n________________________________\nFrom: Porting Team <porting@northwind-telco.example.test>\nSent: Tuesday, 1 December 2026 9:12 AM\nTo: PortDesk <porting@portdesk.example.test>\nSubject: RE: ${REF} Port-in request\n\nStatus: Rejected`,
      'Please see the schedule below.',
    ],
    [
      'Outlook, without a rule line',
      `Status: Scheduled\nTransfer date: 03/12/2026\n\nFrom: PortDesk <porting@portdesk.example.test>\nSent: 01 December 2026 09:12\nTo: porting@northwind-telco.example.test\nCc: ops@northwind-telco.example.test\nSubject: ${REF} Port-in request\n\nStatus: Rejected`,
      'Status: Scheduled\nTransfer date: 03/12/2026',
    ],
    [
      'Outlook in French',
      `Statut : effectué\nDate de fin : 03/12/2026\n\nDe : PortDesk <porting@portdesk.example.test>\nEnvoyé : mardi 1 décembre 2026 09:12\nÀ : portabilite@operateur.example.test\nObjet : ${REF} Demande de portabilité\n\nStatut : rejeté`,
      'Statut : effectué\nDate de fin : 03/12/2026',
    ],
    [
      'Outlook after an HTML conversion (headers in bold)',
      `Scheduled for 3 Dec 2026.\n\n**From:** PortDesk\n**Sent:** Tuesday, 1 December 2026 9:12 AM\n**To:** Porting Team\n**Subject:** ${REF}\n\nStatus: Rejected`,
      'Scheduled for 3 Dec 2026.',
    ],
    [
      '-----Original Message-----',
      `Your numbers will be ported on 03/12/2026.\n\n-----Original Message-----\nFrom: PortDesk\nSent: Tuesday, December 1, 2026 9:12 AM\nSubject: ${REF}\n\nStatus: Rejected`,
      'Your numbers will be ported on 03/12/2026.',
    ],
    [
      '-----Message d’origine-----',
      `Portabilité effectuée le 3 décembre 2026.\n\n-----Message d'origine-----\nDe : PortDesk\nEnvoyé : mardi 1 décembre 2026 09:12\nObjet : ${REF}\n\nStatut : rejeté`,
      'Portabilité effectuée le 3 décembre 2026.',
    ],
    [
      'Zimbra "----- Mail original -----"',
      `Rejeté : le titulaire ne correspond pas.\n\n----- Mail original -----\nDe: "PortDesk"\nÀ: "Service portabilité"\nEnvoyé: Mardi 1 Décembre 2026 09:12:00\nObjet: ${REF}\n\nBonjour`,
      'Rejeté : le titulaire ne correspond pas.',
    ],
    [
      'CRLF line endings',
      `Transfer date: 03/12/2026\r\n\r\nOn Tue, 1 Dec 2026, PortDesk wrote:\r\n> Status: Rejected\r\n`,
      'Transfer date: 03/12/2026',
    ],
    [
      'an empty reply: only history',
      `On Tue, 1 Dec 2026 at 09:12, PortDesk <porting@portdesk.example.test> wrote:\n> Status: Rejected\n> Reason: Account number does not match`,
      '',
    ],
    [
      'Outlook reply with nothing written: the old message is history, not content',
      `________________________________\nFrom: Porting Team\nSent: Tuesday, 1 December 2026 9:12 AM\nTo: PortDesk\nSubject: RE: ${REF}\n\nStatus: Rejected`,
      '',
    ],
  ])('%s', (_name, text, expected) => {
    expect(newestPart(text)).toBe(expected);
  });
});

describe('newestPart: the nasty reply chain (an older rejection quoted ABOVE a new transfer date)', () => {
  it.each<[string, string, string]>([
    [
      'bottom-posted under the quote',
      `On Tue, 1 Dec 2026 at 09:12, Meridian Telecom porting <porting@meridian.example.test> wrote:\n> Status: Rejected\n> Reason code: AN01\n> Reason: Account number does not match\n\nCorrected details received, thank you.\nStatus: Scheduled\nTransfer date: 03/12/2026\n`,
      'Corrected details received, thank you.\nStatus: Scheduled\nTransfer date: 03/12/2026',
    ],
    [
      'interleaved: answers between quoted lines',
      `Hello,\n\n> Your port request has been rejected: the account number does not match.\n\nThe corrected request is accepted.\n\n> Please resubmit within 5 business days.\n\nThe port will be completed on 3 December 2026.`,
      'Hello,\n\nThe corrected request is accepted.\n\nThe port will be completed on 3 December 2026.',
    ],
    [
      'quoted with ">" but no attribution',
      `> Status: Rejected\n> Reason: Account number does not match\nTransfer date: 03/12/2026`,
      'Transfer date: 03/12/2026',
    ],
  ])('%s', (_name, text, expected) => {
    expect(newestPart(text)).toBe(expected);
  });
});

describe('newestPart: forwards', () => {
  const carrierAnswer = `Hello,\n\nThe port completed today, 3 December 2026.\n\nOn Tue, 1 Dec 2026 at 09:12, PortDesk wrote:\n> Status: Rejected`;

  it.each<[string, string, string]>([
    [
      'Gmail forward with nothing written: the forwarded answer is the content (its own history cut)',
      `---------- Forwarded message ---------\nFrom: Porting Team <porting@meridian.example.test>\nDate: Thu, 3 Dec 2026 at 16:02\nSubject: Re: ${REF} Port-in request\nTo: <ops@harbourside-dental.example.test>\n\n\n${carrierAnswer}`,
      'Hello,\n\nThe port completed today, 3 December 2026.',
    ],
    [
      'Gmail forward in French',
      `\n---------- Message transféré ---------\nDe : Service Portabilité <portabilite@operateur.example.test>\nDate: jeu. 3 déc. 2026 à 16:02\nSubject: ${REF}\nTo: <contact@boulangerie-lefevre.example.test>\n\nLe portage a été effectué le 3 décembre 2026.`,
      'Le portage a été effectué le 3 décembre 2026.',
    ],
    [
      'Apple Mail forward, forwarded text quoted with ">"',
      `Begin forwarded message:\n\n> From: Porting Team <porting@meridian.example.test>\n> Subject: ${REF}\n> Date: 3 December 2026 at 16:02:11 GMT\n>\n> Status: Completed\n> Completed on: 03/12/2026`,
      'Status: Completed\nCompleted on: 03/12/2026',
    ],
    [
      'Outlook forward (Subject: FW:) with nothing written',
      `________________________________\nFrom: Porting Team <porting@meridian.example.test>\nSent: Thursday, 3 December 2026 4:02 PM\nTo: Ops <ops@harbourside-dental.example.test>\nSubject: FW: ${REF} Port-in request\n\nStatus: Completed\nCompleted on: 03/12/2026`,
      'Status: Completed\nCompleted on: 03/12/2026',
    ],
    [
      'Thunderbird forward',
      `-------- Forwarded Message --------\nSubject: \t${REF}\nDate: \tThu, 3 Dec 2026 16:02:11 +0000\nFrom: \tPorting Team <porting@meridian.example.test>\nTo: \tops@harbourside-dental.example.test\n\nYour numbers will be ported on 03/12/2026.`,
      'Your numbers will be ported on 03/12/2026.',
    ],
    [
      'a forward with a note: the note is the new part',
      `FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Porting Team <porting@meridian.example.test>\nDate: Thu, 3 Dec 2026 at 16:02\nSubject: ${REF}\n\nStatus: Completed`,
      'FYI, see below.',
    ],
  ])('%s', (_name, text, expected) => {
    expect(newestPart(text)).toBe(expected);
  });
});

describe('newestPart: conservative when unsure', () => {
  it.each<[string, string]>([
    ['a sentence starting with "On"', 'On 3 December 2026 your numbers will be ported.\nOn that day, keep the lines connected.'],
    ['a "From:" line that is no header block', 'From: 3 December 2026 the new numbers are live.\nTo: all staff'],
    ['dashes that are no separator', '-----\nStatus: Scheduled\n-----'],
    ['"wrote:" with no quote under it and no "On"', 'As the engineer wrote:\nthe line is ready.'],
    ['an arrow in the text', 'Status -> Scheduled'],
    ['plain structured answer', 'Status: Completed\nCompleted on: 03/12/2026'],
  ])('%s: kept whole', (_name, text) => {
    expect(newestPart(text)).toBe(text.trim());
  });
});

describe('newestPart: properties', () => {
  const safeLine = fc.stringMatching(/^[A-Za-z0-9 ,.]{1,60}$/).filter((l) => l.trim() !== '' && !/^\s*(on|le)\s/i.test(l) && !/wrote|crit/i.test(l));
  const markers = [
    'On Tue, 1 Dec 2026 at 09:12, PortDesk <porting@portdesk.example.test> wrote:\n> Status: Rejected\n> Reason: old',
    'Le mar. 1 déc. 2026 à 09:12, PortDesk a écrit :\n> Statut : rejeté',
    '-----Original Message-----\nFrom: PortDesk\nSent: Tuesday\nSubject: x\n\nStatus: Rejected',
    '________________________________\nFrom: PortDesk\nSent: Tuesday, 1 December 2026\nTo: Carrier\nSubject: RE: x\n\nStatus: Rejected',
    'De : PortDesk\nEnvoyé : mardi 1 décembre 2026\nÀ : Opérateur\nObjet : RE: x\n\nStatut : rejeté',
    '---------- Forwarded message ---------\nFrom: PortDesk\nDate: Tue\nSubject: x\n\nStatus: Rejected',
  ];

  it('what the sender wrote above any reply or forward marker is exactly the newest part', () => {
    fc.assert(
      fc.property(fc.array(safeLine, { minLength: 1, maxLength: 6 }), fc.constantFrom(...markers), (lines, marker) => {
        const fresh = lines.join('\n').trim();
        fc.pre(fresh !== '');
        expect(newestPart(`${fresh}\n\n${marker}`)).toBe(fresh);
      }),
    );
  });

  it('is idempotent: the newest part of the newest part is itself', () => {
    const part = fc.oneof(safeLine, fc.constantFrom(...markers), fc.constant(''), fc.string({ maxLength: 30 }));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), (parts) => {
        const once = newestPart(parts.join('\n'));
        expect(newestPart(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, and without quoting never invents a line', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const out = newestPart(text);
        if (!text.includes('>')) {
          const lines = new Set(text.replace(/\r\n?/g, '\n').split('\n'));
          for (const line of out.split('\n')) if (out !== '') expect([...lines].some((l) => l.includes(line))).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('stays fast on a hostile message (deep quotes, thousands of attributions)', () => {
    const hostile = Array.from({ length: 20_000 }, (_, i) => `PortDesk wrote:\n${'>'.repeat(i % 50)} q\nnew ${i}`).join('\n');
    const forwards = Array.from({ length: 2_000 }, (_, i) => `${'> '.repeat(i)}Begin forwarded message:`).join('\n');
    const started = performance.now();
    expect(newestPart(hostile)).toContain('new 19999');
    expect(() => newestPart(forwards)).not.toThrow();
    expect(() => newestPart('x'.repeat(2_000_000))).not.toThrow();
    expect(() => newestPart(`${'-'.repeat(200_000)}x\n${'-'.repeat(200_000)}`)).not.toThrow();
    expect(() => newestPart(`On ${' '.repeat(200_000)}x`)).not.toThrow();
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('newestPart of an auto-forwarded message (the outer Subject says FW:, the inner block RE:)', () => {
  const inner = `________________________________\nFrom: Porting Team\nSent: Tuesday, 1 December 2026 9:12 AM\nTo: PortDesk\nSubject: RE: [PD-pin_aaaaaaaaaaaaaaaa]\n\nStatus: Scheduled\nTransfer date: 03/12/2026`;
  it('reads the forwarded message as the content when the message is a forward', () => {
    expect(newestPart(inner, { forwardedMessage: true })).toBe('Status: Scheduled\nTransfer date: 03/12/2026');
  });
  it('keeps treating it as history in a reply', () => {
    expect(newestPart(inner)).toBe('');
    expect(newestPart(inner, { forwardedMessage: false })).toBe('');
  });
  it.each([
    ['FW: RE: [PD-x] Transfer date', true],
    ['Fwd: answer', true],
    ['TR : Date de portage', true],
    ['RE: FW: answer', true],
    ['RE: Transfer date', false],
    ['Forward planning', false],
    ['Transfer date', false],
  ])('isForwardSubject(%j) is %s', (subject, expected) => {
    expect(isForwardSubject(subject)).toBe(expected);
  });
});
