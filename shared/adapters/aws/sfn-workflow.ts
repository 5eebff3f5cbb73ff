// The WorkflowEngine port on Step Functions: one Standard execution per order, named after the
// order (a resubmitted order continues in the same execution, so the name never needs a counter),
// and SendTaskSuccess for the waiting steps' task tokens. Both calls are safe to repeat. Locally
// the client points at the Step Functions stand-in (SFN_ENDPOINT).
import { SFNClient, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowEngine, WorkflowResume } from '../../app/ports.ts';
import { awsClientConfig } from './client-config.ts';

/** What a token already used, closed or expired answers: the step it belonged to has moved on. */
const SPENT_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'InvalidToken', 'TaskTimedOut']);

export interface SfnWorkflowOptions {
  /**
   * STATE_MACHINE_ARN: needed to start executions. Null for functions that only resume steps (the
   * workflow's own waiting step cannot know the ARN of the machine that contains it).
   */
  stateMachineArn: string | null;
  /** A local stand-in (SFN_ENDPOINT); absent in AWS. */
  endpoint?: string;
  /** Absent: the SDK's own region resolution; `us-east-1` with an endpoint. */
  region?: string;
  /** Or a ready client (tests, shared configuration). */
  client?: SFNClient;
}

export function createSfnClient(options: { endpoint?: string; region?: string } = {}): SFNClient {
  return new SFNClient(awsClientConfig({ endpoint: options.endpoint, region: options.region }));
}

/** The execution input: the order id only (no personal data goes into the execution history). */
export const executionInput = (orderId: string): string => JSON.stringify({ orderId });

export class SfnWorkflowEngine implements WorkflowEngine {
  private readonly client: SFNClient;
  private readonly stateMachineArn: string | null;

  constructor(options: SfnWorkflowOptions) {
    this.stateMachineArn = options.stateMachineArn;
    this.client = options.client ?? createSfnClient({ endpoint: options.endpoint, region: options.region });
  }

  /** Starts `orderId`'s execution. An execution of that name that exists already (running or closed) is fine. */
  async start(orderId: string): Promise<void> {
    if (this.stateMachineArn === null) {
      throw new Error('Cannot start a workflow execution: STATE_MACHINE_ARN is not set for this function');
    }
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: orderId, input: executionInput(orderId) }));
    } catch (error) {
      if (errorName(error) === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }

  /** Hands the waiting step what the order became. A token already used, closed or timed out is ignored. */
  async resume(taskToken: string, output: WorkflowResume): Promise<void> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (error) {
      if (SPENT_TOKEN_ERRORS.has(errorName(error))) return;
      throw error;
    }
  }
}

/**
 * The engine the environment configures, or null (no workflow: API-only tests and tools):
 * - STATE_MACHINE_ARN set: start and resume;
 * - WORKFLOW_CALLBACKS=1 without an ARN: resume only (a step function of the workflow itself);
 * - SFN_ENDPOINT: the local stand-in instead of the regional endpoint.
 */
export function sfnWorkflowFromEnv(env: NodeJS.ProcessEnv = process.env): SfnWorkflowEngine | null {
  const stateMachineArn = env.STATE_MACHINE_ARN || null;
  if (stateMachineArn === null && env.WORKFLOW_CALLBACKS !== '1') return null;
  return new SfnWorkflowEngine({
    stateMachineArn,
    endpoint: env.SFN_ENDPOINT || undefined,
    region: env.AWS_REGION || undefined,
  });
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : '');
