// Builds the CDK app: one PortDesk stack per stage, checked by cdk-nag's AWS Solutions rules.
// Shared by the CLI entry (app.ts) and the infra tests, so both see the same checks.
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PortDeskStack } from './portdesk-stack.ts';

export const DEFAULT_STAGE = 'PortDesk';

export function createPortDeskApp(props: AppProps = {}): { app: App; stack: PortDeskStack } {
  const app = new App(props);
  const stage: unknown = app.node.tryGetContext('stage') ?? DEFAULT_STAGE;
  if (typeof stage !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stage)) {
    throw new Error(`Context "stage" must be a stack name (letters, digits, hyphens), got ${JSON.stringify(stage)}`);
  }
  const stack = new PortDeskStack(app, stage, {
    stackName: stage,
    description: 'PortDesk number-porting back office',
  });
  // cdk-nag 3 runs as a validation plugin: synthesis fails on any finding of error level that
  // is not acknowledged; acknowledgements (with their reasons) are copied into the template.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  return { app, stack };
}
