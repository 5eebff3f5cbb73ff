// The OpenAPI 3.1 document, generated from the route table and the zod request schemas (zod's JSON
// Schema output is draft 2020-12, which OpenAPI 3.1 uses as is).
import * as z from 'zod';
import { ROUTES } from './routes.ts';
import { FORM_SCHEMAS, ROUTE_SCHEMAS } from './schemas.ts';

const PROBLEM = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail', 'errors'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable machine code, e.g. order_invalid, number_in_active_order' },
    detail: { type: 'string', description: 'What went wrong and what to do' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'code', 'message'],
        properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** Every schema registered with a meta id, as OpenAPI components referring to each other. */
function componentSchemas(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

function refOrInline(schema: z.ZodType): unknown {
  const id = z.globalRegistry.get(schema)?.id;
  return id ? { $ref: `#/components/schemas/${id}` } : z.toJSONSchema(schema, { io: 'input' });
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  // Page routes (the signing page) answer HTML to people: they are not part of the JSON API.
  for (const route of ROUTES.filter((r) => r.kind !== 'page')) {
    const schemas = (ROUTE_SCHEMAS as Record<string, { body?: z.ZodType; query?: z.ZodType }>)[route.id] ?? {};
    const form = (FORM_SCHEMAS as Record<string, z.ZodType>)[route.id];
    const parameters: unknown[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (schemas.query) {
      const json = z.toJSONSchema(schemas.query, { io: 'input' }) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: 'query', required: json.required?.includes(name) ?? false, schema });
      }
    }
    if (route.method === 'POST') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Retry-safe POST: the first 2xx answer is replayed for 24 h for the same key and body.',
        schema: { type: 'string', maxLength: 255 },
      });
    }
    const operation: Record<string, unknown> = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.path.split('/')[2] ?? 'service'],
      parameters,
      security: route.access === 'public' ? [] : [{ apiKey: [] }],
      'x-portdesk-roles': route.access,
      responses: {
        [route.id.startsWith('create') || route.id.startsWith('upload') ? '201' : '200']: { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
        ...(route.access === 'public'
          ? {}
          : { '401': { description: 'No API key' }, '403': problem('This role may not use the route') }),
        '400': problem('The request does not match the schema'),
        ...(route.path.includes('{id}') ? { '404': problem('Not found, or not visible to this key') } : {}),
        ...(route.writes ? { '409': problem('Conflicts with the current state'), '422': problem('Breaks a business rule') } : {}),
        ...(form ? { '413': problem('The file is too large'), '415': problem('Not multipart/form-data, or a file type that is not accepted') } : {}),
      },
    };
    if (form) operation.requestBody = { required: true, content: { 'multipart/form-data': { schema: refOrInline(form) } } };
    if (schemas.body) {
      operation.requestBody = {
        required: true,
        content: {
          [route.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json']: {
            schema: refOrInline(schemas.body),
          },
        },
      };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'PortDesk API',
      version: '1.0.0',
      description: 'Number porting back office: port-in orders, carrier answers, fees and deadlines for AU, GB and FR.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' } },
      schemas: { ...componentSchemas(), Problem: PROBLEM },
    },
  };
}
