// The public HTTP API: one Lambda per route of the shared route table (the same table the local
// server serves), a Lambda authorizer on every non-public route, access logs and stage throttling.
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type IHttpRouteAuthorizer,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUTHORIZER_HANDLER, ROUTES, type RouteSpec } from '../../shared/http/routes.ts';
import { PortDeskFunction } from './lambda-function.ts';

export interface PortDeskHttpApiProps {
  table: ITable;
  /** Defaults to the shared ROUTES; tests may pass their own. */
  routes?: readonly RouteSpec[];
  /** Default throttling of every route of the stage. */
  throttle?: ThrottleSettings;
  /**
   * What a route that writes needs beyond the table: its commands deliver the outbox (emails, bus
   * events) and start or resume the order's workflow (StartExecution on the state machine,
   * SendTaskSuccess, STATE_MACHINE_ARN). Read-only routes get none of it.
   */
  grantWriter?: (fn: PortDeskFunction) => void;
  /**
   * The rights and settings of a route that uses order documents (its `files`: `read` presigns
   * download links, `write` also stores files). Required when a route has `files`.
   */
  grantFiles?: (fn: PortDeskFunction, access: 'read' | 'write') => void;
}

/** A back office's traffic is modest: this caps cost and abuse; raise per route when needed. */
export const DEFAULT_THROTTLE: ThrottleSettings = { rateLimit: 50, burstLimit: 100 };

/** API Gateway gives up on an integration after 30 s: a handler must have answered before. */
const MAX_API_TIMEOUT = Duration.seconds(29);
const AUTHORIZER_TIMEOUT = Duration.seconds(5);
const AUTHORIZER_CACHE_TTL = Duration.minutes(5);

/**
 * Public routes reviewed for running without the authorizer, with the reason cdk-nag records.
 * A public route missing here stays unacknowledged, so cdk-nag (AwsSolutions-APIG4) fails synthesis
 * until someone reviews it.
 */
const REVIEWED_PUBLIC_ROUTES: Readonly<Record<string, string>> = {
  health: 'Liveness check for monitors: answers a constant status and reads no customer data.',
  openapi: 'The published API description (OpenAPI document): contains no customer data.',
  // The signing page and its actions: whoever holds the emailed link is the signer.
  ...Object.fromEntries(
    ['signingPage', 'signingDocument', 'signWithLink', 'renewSigningLink'].map((id) => [
      id,
      "The signing link's secret is the credential: 256 random bits, of which only the SHA-256 is stored; a link expires after 7 days and is voided when the order is edited. The page shows only what the signer must see to sign.",
    ]),
  ),
};

/** Paths served only by the local runtime (test hooks); they never reach AWS. */
const LOCAL_ONLY_PREFIX = '/_local';

export class PortDeskHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly authorizerFunction: PortDeskFunction;
  /** The function behind each route, by route id. */
  readonly routeFunctions: ReadonlyMap<string, PortDeskFunction>;

  constructor(scope: Construct, id: string, props: PortDeskHttpApiProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;

    this.api = new HttpApi(this, 'Api', {
      description: 'PortDesk number-porting API',
      createDefaultStage: false,
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            principalId: '$context.authorizer.principalId',
            role: '$context.authorizer.role',
          }),
        ),
      },
    });

    // The authorizer answers from hashed API keys; its decision is cached per Authorization
    // header for 5 minutes across all routes, so per-route role checks belong to the handlers.
    this.authorizerFunction = new PortDeskFunction(this, 'AuthorizerFunction', {
      handlerModule: AUTHORIZER_HANDLER,
      description: 'Lambda authorizer: resolves an API key to a role',
      timeout: AUTHORIZER_TIMEOUT,
    }).useTable(props.table, 'get-item');
    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    const noAuthorizer = new HttpNoneAuthorizer();

    const functions = new Map<string, PortDeskFunction>();
    for (const route of routes) {
      if (route.path.startsWith(LOCAL_ONLY_PREFIX)) {
        throw new Error(`Route ${route.id} (${route.path}) is local-only and must not be deployed`);
      }
      if (functions.has(route.id)) {
        throw new Error(`Duplicate route id ${route.id}`);
      }
      const fn = new PortDeskFunction(this, `${pascalCase(route.id)}Function`, {
        handlerModule: route.handler,
        description: `${route.method} ${route.path}: ${route.summary}`,
      }).useTable(props.table, route.writes ? 'read-write' : 'read');
      if (route.writes) props.grantWriter?.(fn);
      if (route.files) {
        if (!props.grantFiles) throw new Error(`Route ${route.id} uses order documents: give grantFiles`);
        props.grantFiles(fn, route.files);
      }
      if (fn.timeout !== undefined && fn.timeout.toSeconds() > MAX_API_TIMEOUT.toSeconds()) {
        throw new Error(`Route ${route.id}: timeout above ${MAX_API_TIMEOUT.toSeconds()} s`);
      }
      functions.set(route.id, fn);

      const isPublic = route.access === 'public';
      const routeAuthorizer: IHttpRouteAuthorizer = isPublic ? noAuthorizer : authorizer;
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.id)}Integration`, fn),
        authorizer: routeAuthorizer,
      });
      const publicReason = REVIEWED_PUBLIC_ROUTES[route.id];
      if (isPublic && publicReason !== undefined && httpRoute !== undefined) {
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: publicReason });
      }
    }
    this.routeFunctions = functions;
  }

  /** The base URL of the API (the $default stage). */
  get url(): string {
    return this.stage.url;
  }
}

function pascalCase(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
