// Figures of the email intake (issue 4): messages parsed and applied per second locally for a mix
// of 1,000 corpus messages, and the intake handler's peak memory on the largest message.
// Run: `npm run bench -- intake`.
//
// Throughput: DynamoDB Local (started here, in memory), the local S3 server (s3rver) with the S3
// blob store, the mailparser MIME parser and the real receiveInboundEmail, one message at a time
// (as one Lambda invocation handles one SES record). The corpus (test/fixtures/email, 28 messages)
// is cycled to 1,000; each copy gets a Message-ID of its own and its own order(s), made through the
// port-in use cases in the state the corpus index expects (submitted, or scheduled for the
// completions), with the order ids put in for the placeholders. The message matched by its number
// (no [PD-…] reference) names its own order's number instead of the corpus's. Every raw message is
// stored before the clock starts: the time is the intake's, S3 read included.
//
// Memory: the real Lambda handler (functions/email/intake.ts, its own clients from the environment)
// in a fresh child process per case (node --expose-gc), on the SES event of a message stored in the
// local S3 server: the 20 MB-attachment message with a limit above its size (parsed, its PDF filed),
// the same message with the default 25 MiB limit (quarantined `oversized`, only its header block
// read), and the largest corpus message.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findFreePort, startDynamoDbLocal } from '../local/dynamodb-local.ts';

const MESSAGES = 1_000;
const SETUP_CONCURRENCY = 8;
const BUCKET = 'portdesk-bench-intake';
const REGION = 'ap-southeast-2';
const BIG_ATTACHMENT_BYTES = 20 * 1024 * 1024;
/** The handler's default (functions/lib/deps.ts, MAX_MESSAGE_BYTES; CDK sets the same). */
const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Large enough for the 20 MB attachment's message (about 27 MB once base64-encoded) to be parsed. */
const RAISED_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const SAMPLE_EVERY_MS = 2;

const ADDRESS = {
  AU: { line1: '1 Queen Street', locality: 'Brisbane', region: 'QLD', postcode: '4000', country: 'AU' },
  GB: { line1: '1 High Street', locality: 'London', postcode: 'EC1A 1AA', country: 'GB' },
  FR: { line1: '1 rue de Rivoli', locality: 'Paris', postcode: '75001', country: 'FR' },
} as const;
const CURRENCY = { AU: 'AUD', GB: 'GBP', FR: 'EUR' } as const;
/** The corpus's numbers in the form its messages write them (national). */
const CORPUS_NATIONAL = { AU: '07 3212 3456', GB: '020 7946 0000', FR: '01 42 68 53 00' } as const;

type MarketCode = keyof typeof ADDRESS;

/** A fresh number per order, in invented ranges: AU 07 3212 xxxx, GB 020 7946 0xxx (Ofcom's drama range), FR 01 42 68 xx xx. */
function numberMaker() {
  const next = { AU: 0, GB: 2, FR: 0 };
  return (market: MarketCode): { e164: string; national: string } => {
    if (market === 'AU') {
      let n = next.AU++;
      while (n === 3456 || n === 3457) n = next.AU++; // the corpus's own numbers
      const tail = String(n).padStart(4, '0');
      return { e164: `+6173212${tail}`, national: `07 3212 ${tail}` };
    }
    if (market === 'GB') {
      const n = next.GB++;
      if (n > 999) throw new Error('GB drama range exhausted');
      const tail = String(n).padStart(4, '0');
      return { e164: `+44207946${tail}`, national: `020 7946 ${tail}` };
    }
    const tail = String(next.FR++).padStart(4, '0');
    return { e164: `+3314268${tail}`, national: `01 42 68 ${tail.slice(0, 2)} ${tail.slice(2)}` };
  };
}

/** The message's own Message-ID replaced (folded or not): every copy is a message of its own, not a duplicate. */
function withMessageId(latin1: string, id: string): string {
  const header = /^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<[^>\r\n]*>/im;
  if (!header.test(latin1)) throw new Error(`no Message-ID header to replace (${id})`);
  return latin1.replace(header, `Message-ID: <${id}@bench.example.test>`);
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const size = (bytes: number) => (bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${mb(bytes)} MiB`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

export async function benchIntake(): Promise<void> {
  const dynamo = await startDynamoDbLocal({ port: await findFreePort() });
  const s3Dir = mkdtempSync(join(tmpdir(), 'portdesk-bench-intake-s3-'));
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const { startLocalS3 } = await import('../local/s3.ts');
  const s3 = await startLocalS3({ port: 0, dataDir: s3Dir, buckets: [BUCKET] });
  try {
    const { countDynamoRequests, createDocumentClient } = await import('../shared/adapters/dynamo/client.ts');
    const { ensureTable } = await import('../shared/adapters/dynamo/create-table.ts');
    const { DynamoRepository } = await import('../shared/adapters/dynamo/repository.ts');
    const { DynamoWebhookStore } = await import('../shared/adapters/dynamo/webhook-store.ts');
    const { DynamoInboundEmailStore } = await import('../shared/adapters/dynamo/inbound-email-store.ts');
    const { DynamoDocumentStore } = await import('../shared/adapters/dynamo/document-store.ts');
    const { S3BlobStore } = await import('../shared/adapters/aws/s3-blob-store.ts');
    const { MailparserMimeParser } = await import('../shared/adapters/email/mime.ts');
    const { createAccount, recordCallActivity } = await import('../shared/app/use-cases/accounts.ts');
    const { createCarrier } = await import('../shared/app/use-cases/carriers.ts');
    const { createPortIn, recordCarrierEvent, signPortIn, submitPortIn } = await import('../shared/app/use-cases/port-ins.ts');
    const { receiveInboundEmail } = await import('../shared/app/use-cases/inbound-email.ts');
    const { newSesMessageId } = await import('../local/aws/ses-receipt.ts');
    const { CARRIERS, CUSTOMERS, EMAIL_FIXTURES, INTAKE_ADDRESS, PLACEHOLDERS, BIG_ATTACHMENT, bigAttachmentMessage, loadFixture } = await import('../test/email/fixtures.ts');
    type Fixture = (typeof EMAIL_FIXTURES)[number];
    type IntakeDeps = import('../shared/app/context.ts').IntakeDeps;
    type BlobStore = import('../shared/app/ports.ts').BlobStore;
    type Caller = import('../shared/app/ports.ts').Caller;
    type ReceiptVerdicts = import('../shared/rules/email/types.ts').ReceiptVerdicts;

    const table = 'portdesk-bench-intake';
    const client = createDocumentClient({ endpoint: dynamo.endpoint, region: REGION });
    await ensureTable(client, table);
    const s3Blobs = new S3BlobStore({ bucket: BUCKET, endpoint: s3.endpoint, region: REGION });
    const s3Requests = { get: 0, put: 0 };
    const blobs: BlobStore = {
      put: (key, body, contentType) => ((s3Requests.put += 1), s3Blobs.put(key, body, contentType)),
      get: (key) => ((s3Requests.get += 1), s3Blobs.get(key)),
      downloadUrl: (key, seconds) => s3Blobs.downloadUrl(key, seconds),
    };
    let emails = 0;
    const OPERATOR: Caller = { role: 'operator', principalId: 'op_bench_intake', accountId: null, carrierId: null };
    const PASSED: ReceiptVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };
    const depsAt = (at: () => Date): IntakeDeps => ({
      repository: new DynamoRepository(client, table),
      webhookStore: new DynamoWebhookStore(client, table),
      clock: { now: at },
      services: {
        workflow: null,
        // Outside services are not the intake's cost: counted, not measured.
        mailer: { send: async () => ({ messageId: `bench-${++emails}` }) },
        bus: { publish: async () => undefined },
        webhooks: { post: async () => ({ status: 204 }) },
        voice: { placeTestCall: async () => ({ answered: true, detail: 'bench' }) },
        settings: { providerName: 'PortDesk', operatorEmail: 'operator@example.test', publicBaseUrl: 'http://127.0.0.1:3000', allowHttpWebhooks: false },
      },
      inboundEmails: new DynamoInboundEmailStore(client, table),
      documents: new DynamoDocumentStore(client, table),
      blobs,
      mime: new MailparserMimeParser(),
      intake: { address: INTAKE_ADDRESS, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, maxAttempts: 3 },
    });

    // ---- the world: the corpus's carriers, one customer account per market -----------------------------
    const setupAt = new Date('2026-11-01T00:00:00Z');
    const setup = depsAt(() => setupAt);
    const carrierIds = {} as Record<MarketCode, string>;
    const accountIds = {} as Record<MarketCode, string>;
    for (const market of ['AU', 'GB', 'FR'] as const) {
      carrierIds[market] = (await createCarrier(setup, { ...CARRIERS[market] })).id;
      const customer = CUSTOMERS[market];
      const currency = CURRENCY[market];
      accountIds[market] = (
        await createAccount(setup, {
          name: customer.accountName,
          market,
          adminEmail: customer.email,
          plan: {
            active: true,
            portingEnabled: true,
            monthlyFee: { currency, amountMinor: 3000 },
            ...(market === 'AU' ? { portingFees: { standard: { currency, amountMinor: 3000 }, complex: { currency, amountMinor: 9000 } } } : {}),
          },
        })
      ).id;
      if (market === 'GB') {
        await recordCallActivity(setup, OPERATOR, accountIds.GB, { direction: 'outbound', at: setupAt.toISOString() });
        await recordCallActivity(setup, OPERATOR, accountIds.GB, { direction: 'inbound', at: setupAt.toISOString() });
      }
    }
    const freshNumber = numberMaker();
    /** An order made as corpusWorld makes it, a fortnight before the message: submitted and signed, then scheduled if the index says so. */
    const newOrder = async (f: Pick<Fixture, 'market' | 'sentAt' | 'given'>, number: { e164: string }) => {
      const at = new Date(Date.parse(f.sentAt) - 14 * 86_400_000);
      const d = depsAt(() => at);
      const market = f.market;
      const customer = CUSTOMERS[market];
      const created = await createPortIn(d, OPERATOR, {
        accountId: accountIds[market],
        numbers: [{ number: number.e164, lineType: 'pstn' }],
        carrierId: carrierIds[market],
        losingCarrierAccountNumber: 'ACC-2026',
        accountHolder: market === 'FR' ? { firstName: customer.firstName, lastName: customer.lastName } : { businessName: customer.accountName },
        serviceAddress: { ...ADDRESS[market] },
        ...(market === 'FR' ? { primaryNumber: number.e164 } : {}),
        submitterEmail: customer.email,
        termsAccepted: true,
      });
      await submitPortIn(d, OPERATOR, created.id);
      await signPortIn(d, OPERATOR, created.id, { signerName: `${customer.firstName} ${customer.lastName}` });
      if (f.given.status === 'scheduled') await recordCarrierEvent(d, OPERATOR, created.id, { type: 'transfer_date', transferDate: f.given.transferDate });
      return created.id;
    };

    // ---- 1,000 messages, each with its own order(s), stored as SES's S3 action would ---------------------
    const corpus = EMAIL_FIXTURES.map((f) => ({ f, raw: loadFixture(f.file).toString('latin1') }));
    interface Prepared {
      f: Fixture;
      rawKey: string;
      sesMessageId: string;
      bytes: number;
    }
    const prepared: Prepared[] = new Array(MESSAGES);
    const setupStarted = performance.now();
    let ordersMade = 0;
    let nextIndex = 0;
    const numbers = Array.from({ length: MESSAGES }, (_, i) => {
      // Numbers are handed out in message order so the run is the same every time.
      const f = corpus[i % corpus.length]!.f;
      const needed = Math.max(f.orders.length, f.expect.kind === 'answer' && f.expect.matchedBy === 'numbers' ? 1 : 0);
      return Array.from({ length: needed }, () => freshNumber(f.market));
    });
    const prepare = async () => {
      while (nextIndex < MESSAGES) {
        const i = nextIndex++;
        const { f, raw } = corpus[i % corpus.length]!;
        const own = numbers[i]!;
        const orderIds = await Promise.all(own.map((number) => newOrder(f, number)));
        ordersMade += orderIds.length;
        let text = raw;
        if (orderIds[0] !== undefined) text = text.replaceAll(PLACEHOLDERS.orderId, orderIds[0]);
        if (orderIds[1] !== undefined) text = text.replaceAll(PLACEHOLDERS.otherOrderId, orderIds[1]);
        // Matched by its number: the message names its own order's number.
        if (f.expect.kind === 'answer' && f.expect.matchedBy === 'numbers') text = text.replaceAll(CORPUS_NATIONAL[f.market], own[0]!.national);
        text = withMessageId(text, `bench-${i}-${f.file.replace(/\W/g, '')}`);
        const bytes = Buffer.from(text, 'latin1');
        const sesMessageId = newSesMessageId();
        const rawKey = `inbound/${sesMessageId}`;
        await s3Blobs.put(rawKey, bytes, 'message/rfc822');
        prepared[i] = { f, rawKey, sesMessageId, bytes: bytes.length };
      }
    };
    await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, prepare));
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    // ---- the run -------------------------------------------------------------------------------------------
    let now = new Date();
    const deps = depsAt(() => new Date(now.getTime()));
    const counter = countDynamoRequests(client);
    s3Requests.get = 0;
    s3Requests.put = 0;
    interface Result {
      f: Fixture;
      ms: number;
      requests: number;
      status: string;
      reason: string | null;
      asIndexSays: boolean;
    }
    const results: Result[] = [];
    const expectedStatus = (f: Fixture) => (f.expect.kind === 'answer' ? 'applied' : f.expect.kind === 'attach' ? 'attached' : 'quarantined');
    counter.reset();
    const runStarted = performance.now();
    for (const p of prepared) {
      now = new Date(p.f.sentAt);
      const before = counter.count();
      const t0 = performance.now();
      const outcome = await receiveInboundEmail(deps, {
        rawKey: p.rawKey,
        sesMessageId: p.sesMessageId,
        receivedAt: now.toISOString(),
        verdicts: { ...PASSED, ...p.f.verdicts },
        recipients: [INTAKE_ADDRESS],
      });
      const ms = performance.now() - t0;
      const reason = outcome.status === 'duplicate' ? null : outcome.reasonCode;
      const expected = p.f.expect;
      results.push({
        f: p.f,
        ms,
        requests: counter.count() - before,
        status: outcome.status,
        reason,
        asIndexSays: outcome.status === expectedStatus(p.f) && (expected.kind !== 'quarantine' || reason === expected.code),
      });
    }
    const wallSeconds = (performance.now() - runStarted) / 1000;
    const byCommand = counter.byCommand();
    const totalRequests = Object.values(byCommand).reduce((a, b) => a + b, 0);

    const times = results.map((r) => r.ms).sort((a, b) => a - b);
    const statuses = ['applied', 'attached', 'quarantined', 'duplicate'];
    const mix = statuses
      .map((status) => [status, results.filter((r) => expectedStatus(r.f) === status).length] as const)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${n} expected ${status}`)
      .join(', ');
    const corpusKinds = `${corpus.filter((c) => c.f.expect.kind === 'answer').length} carrier answers, ${corpus.filter((c) => c.f.expect.kind === 'attach').length} customer documents, ${corpus.filter((c) => c.f.expect.kind === 'quarantine').length} to quarantine`;

    console.log('\n## Email intake: messages parsed and applied per second (receiveInboundEmail, DynamoDB Local, local S3 server)\n');
    console.log(
      `${MESSAGES.toLocaleString('en')} messages: the ${corpus.length}-message corpus (${corpusKinds}) cycled in order, each copy with its own Message-ID and its own order(s) ` +
        `in the state the corpus index expects (${ordersMade.toLocaleString('en')} orders made through the use cases in ${setupSeconds.toFixed(0)} s, not timed). Mix: ${mix}.`,
    );
    console.log('One message at a time, as a Lambda invocation takes one SES record; raw messages stored in S3 beforehand; each timing covers the S3 read, the parse, the');
    console.log('DynamoDB work and any document written to S3. Verdicts: all PASS, except the spoofed messages\' (the corpus index\'s). The 20 MB message is not in the mix.\n');
    console.log('| messages | wall s | messages/s | mean ms | p50 ms | p95 ms | max ms | DynamoDB requests / message | S3 requests / message (get + put) |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${MESSAGES.toLocaleString('en')} | ${wallSeconds.toFixed(1)} | ${(MESSAGES / wallSeconds).toFixed(1)} | ${mean(times).toFixed(1)} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${(totalRequests / MESSAGES).toFixed(1)} | ${((s3Requests.get + s3Requests.put) / MESSAGES).toFixed(2)} (${s3Requests.get} + ${s3Requests.put}) |`,
    );
    console.log('\nBy outcome:\n');
    console.log('| outcome | messages | as the corpus index says | mean ms | p95 ms | DynamoDB requests / message | reasons |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const status of statuses) {
      const group = results.filter((r) => r.status === status);
      if (group.length === 0) continue;
      const groupTimes = group.map((r) => r.ms).sort((a, b) => a - b);
      const reasons = new Map<string, number>();
      for (const r of group) if (r.reason) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      console.log(
        `| ${status} | ${group.length} | ${group.filter((r) => r.asIndexSays).length} | ${mean(groupTimes).toFixed(1)} | ${percentile(groupTimes, 95).toFixed(1)} | ${mean(group.map((r) => r.requests)).toFixed(1)} | ${[...reasons].map(([code, n]) => `${code} ${n}`).join(', ') || '-'} |`,
      );
    }
    console.log(`\nDynamoDB requests per message by operation: ${Object.entries(byCommand).sort(([, a], [, b]) => b - a).map(([name, n]) => `${name} ${(n / MESSAGES).toFixed(2)}`).join(', ')}.`);
    const off = results.filter((r) => !r.asIndexSays);
    if (off.length > 0) console.log(`Not as the index says: ${off.length} (${[...new Set(off.map((r) => `${r.f.file} -> ${r.status}/${r.reason}`))].join('; ')}).`);

    // ---- peak memory of the handler --------------------------------------------------------------------------
    const largest = corpus.reduce((a, b) => (b.raw.length > a.raw.length ? b : a));
    const memoryCases: { label: string; raw: Buffer; f: Pick<Fixture, 'market' | 'sentAt' | 'given' | 'orders' | 'verdicts'>; maxMessageBytes: number | null }[] = [];
    const bigOrder = await newOrder(BIG_ATTACHMENT, freshNumber('AU'));
    const bigRaw = await bigAttachmentMessage(BIG_ATTACHMENT_BYTES, { orderId: bigOrder });
    memoryCases.push({ label: `20 MB attachment, limit ${mb(RAISED_MAX_MESSAGE_BYTES)} MiB (parsed)`, raw: Buffer.from(withMessageId(bigRaw.toString('latin1'), 'bench-big-parsed'), 'latin1'), f: BIG_ATTACHMENT, maxMessageBytes: RAISED_MAX_MESSAGE_BYTES });
    memoryCases.push({ label: '20 MB attachment, default 25 MiB limit', raw: Buffer.from(withMessageId(bigRaw.toString('latin1'), 'bench-big-default'), 'latin1'), f: BIG_ATTACHMENT, maxMessageBytes: null });
    const largestOrders = await Promise.all(largest.f.orders.map(() => newOrder(largest.f, freshNumber(largest.f.market))));
    let largestText = largest.raw;
    if (largestOrders[0]) largestText = largestText.replaceAll(PLACEHOLDERS.orderId, largestOrders[0]);
    if (largestOrders[1]) largestText = largestText.replaceAll(PLACEHOLDERS.otherOrderId, largestOrders[1]);
    memoryCases.push({ label: `largest corpus message (${largest.f.file})`, raw: Buffer.from(withMessageId(largestText, 'bench-largest'), 'latin1'), f: largest.f, maxMessageBytes: null });

    const { sesReceiptEvent } = await import('../local/aws/ses-receipt.ts');
    const workDir = mkdtempSync(join(tmpdir(), 'portdesk-bench-intake-child-'));
    const rows: string[] = [];
    try {
      for (const [index, c] of memoryCases.entries()) {
        const sesMessageId = newSesMessageId();
        await s3Blobs.put(`inbound/${sesMessageId}`, c.raw, 'message/rfc822');
        const event = await sesReceiptEvent({
          raw: c.raw,
          messageId: sesMessageId,
          mailFrom: 'bounces@sender.example.test',
          recipients: [INTAKE_ADDRESS],
          receivedAt: new Date(c.f.sentAt),
          verdicts: { ...PASSED, ...c.f.verdicts },
        });
        const specFile = join(workDir, `case-${index}.json`);
        writeFileSync(specFile, JSON.stringify({ event, at: c.f.sentAt } satisfies ChildSpec));
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          TABLE_NAME: table,
          DYNAMODB_ENDPOINT: dynamo.endpoint,
          AWS_REGION: REGION,
          RAW_MAIL_BUCKET: BUCKET,
          S3_ENDPOINT: s3.endpoint,
          PORTDESK_INTAKE_ADDRESS: INTAKE_ADDRESS,
        };
        if (c.maxMessageBytes === null) delete env.MAX_MESSAGE_BYTES;
        else env.MAX_MESSAGE_BYTES = String(c.maxMessageBytes);
        const m = await runChild(specFile, env);
        rows.push(
          `| ${c.label} | ${size(c.raw.length)} | ${c.maxMessageBytes === null ? `${mb(DEFAULT_MAX_MESSAGE_BYTES)} (default)` : mb(c.maxMessageBytes)} | ${m.outcome} | ${m.ms.toFixed(0)} | ` +
            `${mb(m.before.rss)} | ${mb(m.peak.rss)} (+${mb(m.peak.rss - m.before.rss)}) | ${m.hwmAfter === null ? 'n/a' : `**${mb(m.hwmAfter)}** (+${mb(m.hwmAfter - m.before.rss)})${m.hwmReset ? '' : ' (not reset: since start)'}`} | ${mb(m.peak.heapUsed)} | ${mb(m.peak.arrayBuffers)} | ${mb(m.after.rss)} |`,
        );
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    console.log('\n## Email intake: peak memory of the intake handler (functions/email/intake.ts, one child process per case)\n');
    console.log('Each case: a fresh `node --expose-gc --import tsx` process imports the handler (with its own DynamoDB and S3 clients from the environment, as in Lambda),');
    console.log('collects garbage, then handles one SES event (the raw message stored in the local S3 server, its order in place, the service clock at the message\'s date).');
    console.log('"rss before" is after the imports and a GC (tsx and the TypeScript sources included: a Lambda bundle starts lower). "peak rss (kernel)" is VmHWM, the');
    console.log('kernel\'s high-water mark of resident memory, reset to the current RSS just before the handler: the peak that counts against a Lambda memory size.');
    console.log(`"sampled" is the largest process.memoryUsage().rss seen every ${SAMPLE_EVERY_MS} ms (samples only land between synchronous steps, so it can miss the peak);`);
    console.log('heap and buffers are the sampled peaks of heapUsed and arrayBuffers. MB = MiB.\n');
    console.log('| message | raw size | maxMessageBytes MB | outcome | handler ms | rss before MB | peak rss sampled MB | peak rss (kernel) MB | peak heap MB | peak buffers MB | rss after GC MB |');
    console.log('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
  } finally {
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
    await dynamo.stop();
  }
}

// ---- the child process ----------------------------------------------------------------------------------------

interface ChildSpec {
  event: unknown;
  /** The service clock is frozen here (the message's date), as the local runtime can. */
  at: string;
}

interface MemorySample {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

interface ChildReport {
  outcome: string;
  ms: number;
  before: MemorySample;
  peak: MemorySample;
  after: MemorySample;
  /** The kernel's peak RSS of the process (VmHWM, bytes), reset to the current RSS just before the handler; null where /proc is missing. */
  hwmAfter: number | null;
  /** Whether the reset worked (else VmHWM is the process's peak since it started, imports included). */
  hwmReset: boolean;
}

/** VmHWM of /proc/self/status in bytes (Linux). process.resourceUsage().maxRSS is no use here: Linux carries the parent's peak over fork and exec. */
async function peakRss(): Promise<number | null> {
  const { readFileSync } = await import('node:fs');
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (`5` to /proc/self/clear_refs, Linux 4.0+). */
async function resetPeakRss(): Promise<boolean> {
  const { writeFileSync } = await import('node:fs');
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const THIS_FILE = fileURLToPath(import.meta.url);

function runChild(specFile: string, env: NodeJS.ProcessEnv): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', THIS_FILE, '--memory-child', specFile], {
      env,
      cwd: join(THIS_FILE, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('MEMORY '));
      if (code !== 0 || line === undefined) return reject(new Error(`memory child exited ${code}: ${stderr.slice(-2000)}${stdout.slice(-1000)}`));
      resolve(JSON.parse(line.slice('MEMORY '.length)) as ChildReport);
    });
  });
}

async function memoryChild(specFile: string): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as ChildSpec;
  const { handler } = await import('../functions/email/intake.ts');
  const { freezeServiceClock } = await import('../shared/app/clock.ts');
  freezeServiceClock(new Date(spec.at));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  const sample = (): MemorySample => {
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
  };
  const hwmReset = await resetPeakRss();
  const before = sample();
  const peak = { ...before };
  const take = () => {
    const now = sample();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
  };
  const sampler = setInterval(take, SAMPLE_EVERY_MS);
  const started = performance.now();
  const outcomes = await handler(spec.event as Parameters<typeof handler>[0]);
  const ms = performance.now() - started;
  clearInterval(sampler);
  take();
  const hwmAfter = await peakRss();
  gc();
  const after = sample();
  const o = outcomes[0]!;
  const outcome = o.status === 'duplicate' ? `duplicate (${o.existingStatus})` : `${o.status}${o.reasonCode ? ` (${o.reasonCode})` : ''}`;
  const report: ChildReport = { outcome, ms, before, peak, after, hwmAfter, hwmReset };
  // Exit once the line is out (the SDK clients' sockets would otherwise keep the process a while).
  process.stdout.write(`MEMORY ${JSON.stringify(report)}\n`, () => process.exit(0));
}

if (process.argv[2] === '--memory-child' && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await memoryChild(process.argv[3]!);
}
