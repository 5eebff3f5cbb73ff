// One HTTP server on 127.0.0.1 for every local AWS stand-in: requests go to the first stand-in
// that claims them; anything unclaimed gets the error an unknown operation gets in AWS.
import { createServer, type Server } from 'node:http';
import { sendAwsError, type AwsEndpoint } from './endpoint.ts';

export function createAwsStandInServer(endpoints: readonly AwsEndpoint[], logError: (message: string) => void = console.error): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const endpoint = endpoints.find((e) => e.matches(req));
      if (!endpoint) {
        sendAwsError(res, 400, 'UnknownOperationException', `No local stand-in serves ${req.method} ${req.url} (${String(req.headers['x-amz-target'] ?? 'no target')})`);
        return;
      }
      endpoint.handle(req, Buffer.concat(chunks), res).catch((error: unknown) => {
        logError(`[aws:${endpoint.service}] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!res.headersSent) sendAwsError(res, 500, 'InternalFailure', 'The local stand-in failed; see the npm start log.');
        else res.end();
      });
    });
  });
}
