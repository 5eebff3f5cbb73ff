// Local runtime only: reads the state machines out of a synthesized CloudFormation template.
// `DefinitionString` (CDK writes an `Fn::Join` of strings, `Fn::GetAtt [<Lambda>, Arn]`, `Ref`s and
// pseudo parameters) is resolved to plain ASL JSON with fake ARNs in the local account, and every
// Lambda function is mapped to its handler module through the `portdesk:handler` metadata that
// infra/constructs/lambda-function.ts puts on each function.
import type { Json } from './asl.ts';

/** The template metadata key naming a function's handler module (see infra/constructs/lambda-function.ts). */
export const HANDLER_METADATA_KEY = 'portdesk:handler';
export const LOCAL_ACCOUNT_ID = '000000000000';
/** Lambda's default timeout when the template sets none. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown }>;
  [key: string]: unknown;
}

export interface TemplateSettings {
  region: string;
  /** Default 000000000000. */
  accountId?: string;
  /** What `AWS::StackName` resolves to; default `PortDesk`. */
  stackName?: string;
}

/** A Lambda function of the template, as the local runner invokes it. */
export interface LocalFunction {
  logicalId: string;
  /** FunctionName when the template sets one, otherwise the logical id. */
  name: string;
  /** `arn:aws:lambda:<region>:<account>:function:<name>` */
  arn: string;
  /** Module under functions/ (no extension) exporting `handler`; undefined without the metadata. */
  handlerModule: string | undefined;
  timeoutSeconds: number;
}

export interface LocalStateMachineSpec {
  logicalId: string;
  /** StateMachineName when the template sets one, otherwise the logical id. */
  name: string;
  /** `arn:aws:states:<region>:<account>:stateMachine:<logicalId>` */
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  /** The resolved ASL definition. */
  definition: Record<string, Json>;
}

export interface ResolvedTemplate {
  functions: Map<string, LocalFunction>;
  stateMachines: LocalStateMachineSpec[];
}

class Resolver {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  private readonly resources: Record<string, CfnResource>;

  constructor(
    private readonly template: CfnTemplate,
    settings: TemplateSettings,
  ) {
    this.region = settings.region;
    this.account = settings.accountId ?? LOCAL_ACCOUNT_ID;
    this.stackName = settings.stackName ?? 'PortDesk';
    this.resources = template.Resources ?? {};
  }

  resource(logicalId: string): CfnResource {
    const resource = this.resources[logicalId];
    if (resource === undefined) throw new Error(`The template has no resource ${logicalId}`);
    return resource;
  }

  /** A resource's name: its explicit name property when it is a plain string, else its logical id. */
  private nameOf(logicalId: string): string {
    const props = this.resource(logicalId).Properties ?? {};
    for (const key of ['FunctionName', 'StateMachineName', 'TableName', 'QueueName', 'TopicName', 'Name', 'RoleName', 'BucketName']) {
      if (typeof props[key] === 'string') return props[key];
    }
    return logicalId;
  }

  functionArn(logicalId: string): string {
    return `arn:aws:lambda:${this.region}:${this.account}:function:${this.nameOf(logicalId)}`;
  }

  stateMachineArn(logicalId: string): string {
    return `arn:aws:states:${this.region}:${this.account}:stateMachine:${logicalId}`;
  }

  private arnOf(logicalId: string): string {
    const { Type } = this.resource(logicalId);
    const name = this.nameOf(logicalId);
    switch (Type) {
      case 'AWS::Lambda::Function':
        return this.functionArn(logicalId);
      case 'AWS::StepFunctions::StateMachine':
        return this.stateMachineArn(logicalId);
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return `arn:aws:dynamodb:${this.region}:${this.account}:table/${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${this.account}:role/${name}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      default: {
        const service = Type.split('::')[1]?.toLowerCase() ?? 'unknown';
        return `arn:aws:${service}:${this.region}:${this.account}:${name}`;
      }
    }
  }

  private ref(name: string): Json {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return null;
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter !== undefined) {
      if (parameter.Default === undefined) throw new Error(`Template parameter ${name} has no default value`);
      return parameter.Default as Json;
    }
    const { Type } = this.resource(name);
    switch (Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
      case 'AWS::IAM::ManagedPolicy':
        return this.arnOf(name);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${this.nameOf(name)}`;
      default:
        return this.nameOf(name);
    }
  }

  private getAtt(logicalId: string, attribute: string): Json {
    if (attribute === 'Arn') return this.arnOf(logicalId);
    if (attribute === 'Name' || attribute === 'FunctionName' || attribute === 'StateMachineName') return this.nameOf(logicalId);
    throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not supported by the local Step Functions runner`);
  }

  private sub(text: string, variables: Record<string, Json>): string {
    return text.replace(/\$\{(!?)([^}]*)\}/g, (whole, literal: string, expression: string) => {
      if (literal === '!') return `\${${expression}}`;
      if (expression in variables) return String(variables[expression]);
      const dot = expression.indexOf('.');
      if (dot > 0 && !expression.startsWith('AWS::')) return String(this.getAtt(expression.slice(0, dot), expression.slice(dot + 1)));
      const value = this.ref(expression);
      if (value === null) throw new Error(`Fn::Sub cannot use ${whole}`);
      return String(value);
    });
  }

  /** Resolves the intrinsic functions in a template value. */
  resolve(value: unknown): Json {
    if (value === null || typeof value !== 'object') return value as Json;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
          return this.getAtt(id!, attribute!);
        }
        case 'Fn::Join': {
          const [delimiter, list] = arg as [string, unknown];
          const items = this.resolve(list);
          if (!Array.isArray(items)) throw new Error('Fn::Join needs a list');
          return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(delimiter);
        }
        case 'Fn::Sub': {
          if (typeof arg === 'string') return this.sub(arg, {});
          const [text, variables] = arg as [string, Record<string, unknown>];
          const resolved: Record<string, Json> = {};
          for (const [name, v] of Object.entries(variables ?? {})) resolved[name] = this.resolve(v);
          return this.sub(text, resolved);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const items = this.resolve(list);
          const i = Number(this.resolve(index));
          if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) throw new Error('Fn::Select index out of range');
          return items[i]!;
        }
        case 'Fn::Split': {
          const [delimiter, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(delimiter);
        }
        default:
          if (key.startsWith('Fn::') || key === 'Condition') {
            throw new Error(`${key} is not supported by the local Step Functions runner`);
          }
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of entries) out[k] = this.resolve(v);
    return out;
  }
}

/** Replaces `${name}` placeholders the way DefinitionSubstitutions does. */
function substitute(definition: string, substitutions: Record<string, Json>): string {
  return definition.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (!(name in substitutions)) return whole;
    const value = substitutions[name];
    if (typeof value === 'string') return JSON.stringify(value).slice(1, -1);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`DefinitionSubstitutions.${name} must be a string, number or boolean`);
  });
}

/** The functions and state machines of a synthesized template, resolved for local use. */
export function resolveTemplate(template: CfnTemplate, settings: TemplateSettings): ResolvedTemplate {
  const resolver = new Resolver(template, settings);
  const functions = new Map<string, LocalFunction>();
  const stateMachines: LocalStateMachineSpec[] = [];

  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const module = resource.Metadata?.[HANDLER_METADATA_KEY];
    const arn = resolver.functionArn(logicalId);
    functions.set(logicalId, {
      logicalId,
      name: arn.slice(arn.lastIndexOf(':') + 1),
      arn,
      handlerModule: typeof module === 'string' ? module : undefined,
      timeoutSeconds: typeof props['Timeout'] === 'number' ? props['Timeout'] : LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    });
  }

  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resource.Properties ?? {};
    let text: string;
    if (props['DefinitionString'] !== undefined) {
      const resolved = resolver.resolve(props['DefinitionString']);
      if (typeof resolved !== 'string') throw new Error(`${logicalId}.DefinitionString does not resolve to a string`);
      text = resolved;
    } else if (props['Definition'] !== undefined) {
      text = JSON.stringify(resolver.resolve(props['Definition']));
    } else {
      throw new Error(`${logicalId} has no DefinitionString or Definition (DefinitionS3Location is not supported locally)`);
    }
    const substitutions = props['DefinitionSubstitutions'];
    if (substitutions !== undefined) {
      const resolved = resolver.resolve(substitutions);
      if (resolved === null || typeof resolved !== 'object' || Array.isArray(resolved)) {
        throw new Error(`${logicalId}.DefinitionSubstitutions must be an object`);
      }
      text = substitute(text, resolved);
    }
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (error) {
      throw new Error(`${logicalId}: the resolved definition is not JSON (${(error as Error).message})`);
    }
    if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
      throw new Error(`${logicalId}: the resolved definition is not a JSON object`);
    }
    const name = resolver.resolve(props['StateMachineName'] ?? logicalId);
    stateMachines.push({
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      arn: resolver.stateMachineArn(logicalId),
      type: props['StateMachineType'] === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition: definition as Record<string, Json>,
    });
  }
  return { functions, stateMachines };
}
