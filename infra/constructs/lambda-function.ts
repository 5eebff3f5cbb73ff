// One Lambda function the PortDesk way: Node.js 24 on ARM, X-Ray tracing, an explicit log group
// kept one month, a role that may only write to that log group, and ESM bundling by the locally
// installed esbuild. Every other permission is granted explicitly (see `useTable`).
import { Duration, Stack, Validations, type CfnElement, type CfnResource } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ESBUILD_OPTIONS, MODULE_ALIASES, REQUIRE_BANNER } from '../bundling.ts';
import { LOCK_FILE, REPO_ROOT, functionEntry } from '../paths.ts';

/**
 * How a function may use the table:
 * - `read`: Get/BatchGet/Query/Scan/ConditionCheck on the table and its indexes;
 * - `read-write`: the above plus Put/Update/Delete/BatchWrite. DynamoDB transactions need no
 *   action of their own: TransactWriteItems is authorized by the Put/Update/Delete/ConditionCheckItem
 *   actions it contains, TransactGetItems by GetItem;
 * - `get-item`: GetItem on the base table only (the authorizer's key lookup).
 */
export type TableAccess = 'read' | 'read-write' | 'get-item';

export interface PortDeskFunctionProps {
  /** Handler module under functions/, without extension, exporting `handler` (e.g. `api/port-ins/create`). */
  handlerModule: string;
  description?: string;
  /**
   * 10 s by default: every handler is a few DynamoDB calls of single-digit milliseconds, so one
   * still running after 10 s is stuck; failing then frees the concurrency and logs a timeout.
   */
  timeout?: Duration;
  /**
   * 512 MB by default. Lambda allots CPU in proportion to memory, and cold start (loading and
   * evaluating a minified bundle with the SDK, zod schemas and phone-number metadata) is
   * CPU-bound; 512 MB on ARM keeps that well under a second at a low price, while the handlers
   * themselves are I/O-bound and gain nothing from a full vCPU (1,769 MB).
   */
  memorySize?: number;
  /** Caps concurrent runs (e.g. 1 for scheduled jobs that must not overlap). */
  reservedConcurrentExecutions?: number;
  /** Extra environment; TABLE_NAME comes from `useTable`. */
  environment?: Record<string, string>;
}

export const DEFAULT_TIMEOUT = Duration.seconds(10);
export const DEFAULT_MEMORY_MB = 512;
export const SERVICE_NAME = 'portdesk';
/** Template metadata on every function: its handler module under functions/ (read by the local Step Functions runner). */
export const HANDLER_METADATA_KEY = 'portdesk:handler';

// The esbuild settings are shared with the bundle benchmark (infra/bundling.ts), so the figures
// it reports are those of the bundles deployed here.
if (ESBUILD_OPTIONS.format !== 'esm' || typeof ESBUILD_OPTIONS.target !== 'string') {
  throw new Error('infra/bundling.ts must build ESM for a single target');
}
const SHARED_BUNDLING = {
  format: OutputFormat.ESM,
  target: ESBUILD_OPTIONS.target,
  mainFields: ESBUILD_OPTIONS.mainFields,
  minify: ESBUILD_OPTIONS.minify === true,
  // ESM has no `require`; the CommonJS dependencies esbuild inlines call it at run time.
  banner: REQUIRE_BANNER,
  // The AWS SDK v3 comes from the nodejs24.x runtime (see infra/bundling.ts).
  externalModules: ESBUILD_OPTIONS.external ?? [],
  esbuildArgs: { '--alias': Object.entries(MODULE_ALIASES).map(([from, to]) => `${from}=${to}`) },
};

export class PortDeskFunction extends NodejsFunction {
  /** The log group the function writes to (retention one month). */
  readonly functionLogGroup: LogGroup;
  readonly serviceRole: Role;

  constructor(scope: Construct, id: string, props: PortDeskFunctionProps) {
    // Created beside the function because they must exist before `super`. The role carries no
    // managed policy: it may write to this function's log group and nothing else until granted.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, { retention: RetentionDays.ONE_MONTH });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: functionEntry(props.handlerModule),
      handler: 'handler',
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: { ...SHARED_BUNDLING, sourceMap: true, sourcesContent: false },
    });
    this.functionLogGroup = logGroup;
    this.serviceRole = role;
    // The local runtime reads this to run the same handler module where the template names the function.
    (this.node.defaultChild as CfnResource).addMetadata(HANDLER_METADATA_KEY, props.handlerModule);

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions, so active tracing needs Resource *.',
    });
  }

  /** Grants the table with the given access and passes its name as TABLE_NAME, in one call. */
  useTable(table: ITable, access: TableAccess): this {
    switch (access) {
      case 'read':
        table.grantReadData(this);
        break;
      case 'read-write':
        table.grantReadWriteData(this);
        break;
      case 'get-item':
        this.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }));
        break;
    }
    if (access !== 'get-item') {
      // The data grants cover the table's GSIs with `<table arn>/index/*` once it has any.
      const tableResource = table.node.defaultChild as CfnElement | undefined;
      if (tableResource !== undefined) {
        const tableLogicalId = Stack.of(table).getLogicalId(tableResource);
        Validations.of(this.serviceRole).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
          reason: 'Table grants cover its GSIs via <table arn>/index/*: the indexes belong to the same single table.',
        });
      }
    }
    this.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }
}
