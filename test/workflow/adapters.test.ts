// The adapters of the workflow's ports, over real HTTP: Step Functions (the real SDK client against a
// server answering as the Step Functions API does) and the voice platform (against its local stand-in).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendAwsError, sendAwsJson } from '../../local/aws/endpoint.ts';
import { createAwsStandInServer } from '../../local/aws/server.ts';
import { createVoicePlatformStandIn, type VoicePlatformStandIn } from '../../local/voice-platform.ts';
import { SfnWorkflowEngine, sfnWorkflowFromEnv } from '../../shared/adapters/aws/sfn-workflow.ts';
import { HttpVoicePlatform, VoicePlatformError } from '../../shared/adapters/http/voice-platform.ts';
import { toWorkflowError } from '../../shared/app/use-cases/workflow.ts';

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('SfnWorkflowEngine', () => {
  const ARN = 'arn:aws:states:ap-southeast-2:000000000000:stateMachine:PortDesk-order-lifecycle';
  let server: Server;
  let endpoint: string;
  let calls: { target: string; body: Record<string, unknown> }[] = [];
  /** The error the next call answers with (AWS error type), or null for success. */
  let failWith: string | null = null;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        calls.push({ target, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        if (failWith) return sendAwsError(res, 400, failWith, `${failWith} (test)`);
        if (target.endsWith('.StartExecution')) return sendAwsJson(res, { executionArn: `${ARN.replace('stateMachine', 'execution')}:x`, startDate: 1772409600 });
        return sendAwsJson(res, {});
      });
    });
    endpoint = await listen(server);
  });
  afterAll(() => close(server));
  beforeEach(() => {
    calls = [];
    failWith = null;
  });

  const engine = (stateMachineArn: string | null = ARN) => new SfnWorkflowEngine({ stateMachineArn, endpoint, region: 'ap-southeast-2' });
  const resume = { orderId: 'pin_a', status: 'scheduled' as const, transferDate: '2026-03-16', market: 'AU' as const };

  it('starts one execution per order, named after it, with the order id as its only input', async () => {
    await engine().start('pin_a');
    expect(calls).toEqual([{ target: 'AWSStepFunctions.StartExecution', body: { stateMachineArn: ARN, name: 'pin_a', input: '{"orderId":"pin_a"}' } }]);
  });

  it('takes an execution that exists already as started', async () => {
    failWith = 'ExecutionAlreadyExists';
    await expect(engine().start('pin_a')).resolves.toBeUndefined();
  });

  it('passes other failures on (the outbox retries them)', async () => {
    failWith = 'ExecutionLimitExceeded';
    await expect(engine().start('pin_a')).rejects.toMatchObject({ name: 'ExecutionLimitExceeded' });
    failWith = 'InvalidOutput';
    await expect(engine().resume('token', resume)).rejects.toMatchObject({ name: 'InvalidOutput' });
  });

  it('resumes a waiting step with what the order became', async () => {
    await engine().resume('token-1', resume);
    expect(calls).toEqual([{ target: 'AWSStepFunctions.SendTaskSuccess', body: { taskToken: 'token-1', output: JSON.stringify(resume) } }]);
  });

  it.each(['TaskDoesNotExist', 'InvalidToken', 'TaskTimedOut'])('ignores a token already spent (%s)', async (error) => {
    failWith = error;
    await expect(engine().resume('spent', resume)).resolves.toBeUndefined();
  });

  it('cannot start without the state machine ARN (a step function only resumes)', async () => {
    await expect(engine(null).start('pin_a')).rejects.toThrow(/STATE_MACHINE_ARN/);
    expect(calls).toEqual([]);
  });

  it('is configured from the environment, or absent', () => {
    expect(sfnWorkflowFromEnv({})).toBeNull();
    expect(sfnWorkflowFromEnv({ STATE_MACHINE_ARN: ARN, SFN_ENDPOINT: endpoint })).toBeInstanceOf(SfnWorkflowEngine);
    expect(sfnWorkflowFromEnv({ WORKFLOW_CALLBACKS: '1' })).toBeInstanceOf(SfnWorkflowEngine);
  });
});

describe('HttpVoicePlatform with the local stand-in', () => {
  let server: Server;
  let base: string;
  let standIn: VoicePlatformStandIn;
  let broken: Server;
  let brokenUrl: string;
  let brokenStatus = 503;

  beforeAll(async () => {
    standIn = createVoicePlatformStandIn({ unanswered: ['+33142685399'] });
    server = createAwsStandInServer([standIn], () => undefined);
    base = await listen(server);
    broken = createServer((_req, res) => {
      res.writeHead(brokenStatus, { 'content-type': 'text/plain' });
      res.end('no');
    });
    brokenUrl = await listen(broken);
  });
  afterAll(() => Promise.all([close(server), close(broken)]));

  it('places test calls: answered, or unanswered for the numbers the stand-in is told', async () => {
    const voice = new HttpVoicePlatform({ baseUrl: `${base}/voice` });
    expect(await voice.placeTestCall('+33142685300')).toEqual({ answered: true, detail: expect.any(String) });
    expect(await voice.placeTestCall('+33142685399')).toEqual({ answered: false, detail: expect.any(String) });
    expect(standIn.calls().map((c) => [c.to, c.answered])).toEqual([
      ['+33142685300', true],
      ['+33142685399', false],
    ]);
  });

  it('refuses a number that is not E.164 (HTTP 400: not retryable)', async () => {
    const voice = new HttpVoicePlatform({ baseUrl: `${base}/voice/` });
    const error = await voice.placeTestCall('01 42 68 53 00').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoicePlatformError);
    expect((error as VoicePlatformError).retryable).toBe(false);
    expect(toWorkflowError(error).name).toBe('VoicePlatformError');
  });

  it.each([503, 500, 429])('takes HTTP %i as the platform being unavailable: retried', async (status) => {
    brokenStatus = status;
    const error = await new HttpVoicePlatform({ baseUrl: brokenUrl }).placeTestCall('+33142685300').catch((e: unknown) => e);
    expect((error as VoicePlatformError).retryable).toBe(true);
    expect(toWorkflowError(error).name).toBe('TransientError');
  });

  it('takes no answer at all as the platform being unavailable: retried', async () => {
    const error = await new HttpVoicePlatform({ baseUrl: 'http://127.0.0.1:9' }).placeTestCall('+33142685300').catch((e: unknown) => e);
    expect(toWorkflowError(error).name).toBe('TransientError');
  });
});
