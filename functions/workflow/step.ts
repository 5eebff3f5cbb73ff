// What every workflow step Lambda shares (not an entry point itself): parse the state's input
// against the step's zod schema, run one use case, return its small JSON result. A failure is thrown
// with the name Step Functions matches on: `TransientError` for anything worth retrying (the state
// machine retries it with backoff and jitter), its own name otherwise (caught: RecordException).
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { logger } from '../../shared/app/logger.ts';
import { InvalidStepInput, toWorkflowError } from '../../shared/app/use-cases/workflow.ts';

export function workflowStep<S extends z.ZodType, R>(step: string, schema: S, run: (input: z.output<S>) => Promise<R>) {
  return async (event: unknown, context?: Context): Promise<R> => {
    if (context) logger.addContext(context);
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(input)').join(', ');
      logger.error('workflow step input invalid', { step, fields });
      throw new InvalidStepInput(`${step}: invalid input (${fields})`);
    }
    const orderId = (parsed.data as { orderId?: unknown }).orderId;
    try {
      return await run(parsed.data);
    } catch (error) {
      const thrown = toWorkflowError(error);
      // Ids and error names only: messages of outside services are not logged.
      logger.error('workflow step failed', { step, orderId, error: thrown.name, cause: error instanceof Error ? error.name : typeof error });
      throw thrown;
    }
  };
}
