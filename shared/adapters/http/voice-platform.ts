// The VoicePlatform port on our voice platform's HTTP API: `POST <VOICE_PLATFORM_URL>/test-calls`
// with `{ "to": "<E.164>" }` answers `{ "answered": boolean, "detail": string }` once the call has
// rung out. The platform cannot run here; the local runtime serves a stand-in (local/voice-platform.ts).
import type { VoicePlatform } from '../../app/ports.ts';

/** A test call rings for up to about 30 s; the platform answers once it has rung out. */
export const TEST_CALL_TIMEOUT_MS = 45_000;

/**
 * The platform could not place the call or did not answer properly. `retryable`: the platform was
 * unavailable (network, timeout, 5xx, 429), so trying again later may work; otherwise it refused the
 * request (4xx) or answered nonsense, and retrying cannot help.
 */
export class VoicePlatformError extends Error {
  override readonly name = 'VoicePlatformError';
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export interface HttpVoicePlatformOptions {
  /** VOICE_PLATFORM_URL: the API's base URL, without the trailing `/test-calls`. */
  baseUrl: string;
  timeoutMs?: number;
  /** Sent as `authorization` when given (the platform's API token). */
  authorization?: string;
}

export class HttpVoicePlatform implements VoicePlatform {
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly authorization: string | undefined;

  constructor(options: HttpVoicePlatformOptions) {
    if (!options.baseUrl) throw new Error('HttpVoicePlatform needs the voice platform URL (VOICE_PLATFORM_URL)');
    this.url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/test-calls`);
    this.timeoutMs = options.timeoutMs ?? TEST_CALL_TIMEOUT_MS;
    this.authorization = options.authorization;
  }

  async placeTestCall(e164: string): Promise<{ answered: boolean; detail: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.authorization) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: e164 }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // Network failure or timeout: the call may or may not have been placed; the platform is unavailable.
      throw new VoicePlatformError(`The voice platform did not answer: ${error instanceof Error ? error.name : 'error'}`, true);
    }
    const text = await response.text();
    if (!response.ok) {
      const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
      throw new VoicePlatformError(`The voice platform answered HTTP ${response.status}`, retryable);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new VoicePlatformError('The voice platform answered with something other than JSON', false);
    }
    const { answered, detail } = (body ?? {}) as { answered?: unknown; detail?: unknown };
    if (typeof answered !== 'boolean') throw new VoicePlatformError('The voice platform answer has no boolean `answered`', false);
    return { answered, detail: typeof detail === 'string' ? detail.slice(0, 500) : '' };
  }
}
