// Local stand-ins for the AWS services the handlers call (Step Functions, EventBridge, SES). The
// handlers use the real AWS SDK clients, pointed at one local HTTP server through endpoint
// settings (SFN_ENDPOINT, EVENTBRIDGE_ENDPOINT, SES_ENDPOINT); each stand-in claims its requests.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AwsEndpoint {
  /** Service name for logs, e.g. `states`. */
  readonly service: string;
  /** Whether this request is for this stand-in (by `X-Amz-Target` prefix or path). */
  matches(req: IncomingMessage): boolean;
  /** Answer the request the way the AWS service would (its JSON protocol and error shapes). */
  handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void>;
}

/** Writes an error the way AWS JSON protocols do, so the SDK raises a typed exception. */
export function sendAwsError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendAwsJson(res: ServerResponse, value: unknown, contentType = 'application/x-amz-json-1.0'): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
