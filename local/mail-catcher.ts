// Local only: the mail catcher for outgoing mail. Runs MailDev 3 in process through its programmatic
// API (`new MailDev(config).start()`): an SMTP server on 127.0.0.1 that keeps every message, and its
// web inbox. With `mailDirectory` MailDev stores each message as an .eml file there and loads them back
// on start, so the inbox survives `npm start` restarts.
//
// MailDev is loaded on first use (dynamic import): it is a local tool, and a missing install fails
// here with a clear message rather than breaking the type-check or any Lambda bundle.

/** One caught message, as `GET /_local/outbox` lists it. */
export interface CaughtMail {
  id: string;
  /** Everyone the message was delivered to (SMTP envelope recipients). */
  to: string[];
  subject: string;
  text: string;
  /** ISO instant the catcher received it. */
  sentAt: string;
}

export interface MailCatcherOptions {
  /** SMTP port on 127.0.0.1 (0: any free port; see `smtpPort` for the one bound). */
  smtpPort: number;
  /** Web inbox port on 127.0.0.1 (0: any free port). */
  webPort: number;
  /** Folder the messages persist in across restarts; absent: kept in memory only. */
  mailDirectory?: string;
}

export interface MailCatcher {
  smtpPort: number;
  /** The web inbox, `http://127.0.0.1:<port>/`. */
  webUrl: string;
  /** Every message held, oldest first. */
  list(): Promise<CaughtMail[]>;
  /** Deletes every message (and its file). */
  clear(): Promise<void>;
  /** Stops SMTP and web servers. Safe to call twice. */
  close(): Promise<void>;
}

// ---- the part of MailDev 3's API used here (maildev/dist/index.d.ts, @maildev/core types) --------

interface MailDevAddress {
  address: string;
  name?: string;
}

interface MailDevEmail {
  id: string;
  time: Date | string;
  subject?: string;
  text?: string;
  to?: MailDevAddress[];
  cc?: MailDevAddress[];
  envelope?: { to?: MailDevAddress[] };
}

interface MailDevServers {
  storage: { getAll(): Promise<MailDevEmail[]>; deleteAll(): Promise<number> };
  smtp: { getAddress(): { host: string; port: number } };
  api?: { getAddress(): { host: string; port: number } | null };
}

interface MailDevInstance {
  start(): Promise<MailDevServers>;
  stop(): Promise<void>;
}

interface MailDevConfig {
  smtp: number;
  ip: string;
  web: number;
  webIp: string;
  mailDirectory?: string;
  silent: boolean;
  mcp: boolean;
}

interface MailDevModule {
  MailDev: new (config: Partial<MailDevConfig>) => MailDevInstance;
}

const MAILDEV = 'maildev';
const HOST = '127.0.0.1';

async function loadMailDev(): Promise<MailDevModule> {
  let mod: Partial<MailDevModule>;
  try {
    mod = (await import(MAILDEV)) as Partial<MailDevModule>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error('The mail catcher needs the npm package maildev@3 (dev dependency), which is not installed: run npm install.', { cause: error });
    }
    throw error;
  }
  if (typeof mod.MailDev !== 'function') throw new Error('The installed maildev has no MailDev class: maildev 3 is required.');
  return mod as MailDevModule;
}

/** Starts MailDev on 127.0.0.1. Throws (with the listener's `EADDRINUSE` code) when a port is taken. */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const { MailDev } = await loadMailDev();
  const config: Partial<MailDevConfig> = {
    smtp: options.smtpPort,
    ip: HOST,
    web: options.webPort,
    webIp: HOST,
    silent: true,
    mcp: false,
  };
  if (options.mailDirectory) config.mailDirectory = options.mailDirectory;
  const maildev = new MailDev(config);
  const servers = await maildev.start();
  const smtpPort = servers.smtp.getAddress().port;
  const web = servers.api?.getAddress();
  let closed = false;
  return {
    smtpPort,
    webUrl: `http://${HOST}:${web?.port ?? options.webPort}/`,
    async list(): Promise<CaughtMail[]> {
      const emails = await servers.storage.getAll();
      return emails.map(toCaught).sort((a, b) => a.sentAt.localeCompare(b.sentAt) || a.id.localeCompare(b.id));
    },
    async clear(): Promise<void> {
      await servers.storage.deleteAll();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await maildev.stop();
    },
  };
}

function toCaught(email: MailDevEmail): CaughtMail {
  const envelope = email.envelope?.to ?? [];
  const headers = [...(email.to ?? []), ...(email.cc ?? [])];
  return {
    id: email.id,
    to: (envelope.length > 0 ? envelope : headers).map((a) => a.address),
    subject: email.subject ?? '',
    text: email.text ?? '',
    sentAt: new Date(email.time).toISOString(),
  };
}
