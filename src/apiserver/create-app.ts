// The HTTP API as a Hono app: authentication (TokenReview) for everything under /api/v1 except the
// OpenAPI document, then per route the path and query checks, the SubjectAccessReviews of what
// kubectl would need, the body (size-limited, parsed, schema-checked) and the handler. One onError
// maps every thrown error to a response. No sockets here: tests call `app.request()` or serve it.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { KubeClient } from '../kube/index.ts';
import type { Logger } from '../observability/index.ts';
import { ApiError, apiErrorCodes, invalidRequest, toErrorResponse } from './api-error.ts';
import { parseBearerToken } from './bearer-token.ts';
import type { AccessReviewer, Caller } from './kube-access-reviewer.ts';
import { checkQueryParameters } from './list-query.ts';
import { buildOpenApiDocument, openApiPath } from './openapi-document.ts';
import { checkPathParameters } from './path-parameters.ts';
import { compileBodyParser } from './request-body.ts';
import { describeAccess } from './resource-access.ts';
import { RouteReply, type RouteDefinition, type SessionReader } from './route-definition.ts';
import { apiRoutes } from './routes.ts';

export const defaultMaxBodyBytes = 256 * 1024;

export interface RequestSample {
  method: string;
  /** The route's template (never the concrete path, which holds names). */
  route: string;
  status: number;
  seconds: number;
}

export interface ApiAppOptions {
  /** The API server's own client: used only after the caller was allowed the same action. */
  kube: KubeClient;
  reviewer: AccessReviewer;
  logger?: Logger;
  maxBodyBytes?: number;
  now?: () => Date;
  /** Called once per request, e.g. to count it in the metrics. */
  observe?: (sample: RequestSample) => void;
  version?: string;
  routes?: readonly RouteDefinition[];
  /** The session store the session routes read; without it they answer 503. */
  sessions?: SessionReader;
}

type Env = { Variables: { caller: Caller } };

const toHonoPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

const unauthorized = (message: string) => new ApiError(401, { code: apiErrorCodes.unauthorized, message });

export function createApiApp({
  kube,
  reviewer,
  logger,
  maxBodyBytes = defaultMaxBodyBytes,
  now = () => new Date(),
  observe,
  version = '0.1.0',
  routes = apiRoutes,
  sessions,
}: ApiAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const openApiDocument = buildOpenApiDocument(routes, version);

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const sample = {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
    };
    observe?.(sample);
    const caller = c.get('caller') as Caller | undefined;
    logger?.debug({ ...sample, user: caller?.username }, 'request served');
  });

  app.get(openApiPath, (c) => c.json(openApiDocument));

  app.use('/api/v1/*', async (c, next) => {
    const token = parseBearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('a bearer token is required (Authorization: Bearer <token>)');
    const caller = await reviewer.authenticate(token);
    if (!caller) throw unauthorized('the bearer token is not valid');
    c.set('caller', caller);
    await next();
  });

  for (const route of routes) {
    const parseBody = route.requestBody ? compileBodyParser(route.requestBody) : undefined;
    const authorize = async (c: Context<Env>, next: () => Promise<void>) => {
      const params = c.req.param() as Record<string, string>;
      checkPathParameters(params);
      checkQueryParameters(c.req.query(), [
        ...(route.paginated ? ['limit', 'continue'] : []),
        ...(route.queryParameters ?? []).map((parameter) => parameter.name),
      ]);
      const caller = c.get('caller');
      for (const access of route.access(params)) {
        const decision = await reviewer.authorize(caller, access);
        if (!decision.allowed) {
          throw new ApiError(403, {
            code: apiErrorCodes.forbidden,
            message: `user "${caller.username}" cannot ${describeAccess(access)}`,
          });
        }
      }
      await next();
    };
    const limit = bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw invalidRequest([{ field: 'body', message: `must be at most ${maxBodyBytes} bytes` }]);
      },
    });
    const handle = async (c: Context<Env>) => {
      const body = parseBody ? parseBody(await c.req.text()) : undefined;
      const result = await route.handle({
        kube,
        caller: c.get('caller'),
        params: c.req.param() as Record<string, string>,
        query: c.req.query(),
        body,
        now,
        sessions,
        signal: c.req.raw.signal,
      });
      if (result instanceof RouteReply) return c.json(result.body, result.status as ContentfulStatusCode);
      return c.json(result, route.response.status as ContentfulStatusCode);
    };
    const path = toHonoPath(route.path);
    if (parseBody) app.on(route.method.toUpperCase(), path, authorize, limit, handle);
    else app.on(route.method.toUpperCase(), path, authorize, handle);
  }

  app.notFound((c) => c.json({ code: apiErrorCodes.notFound, message: 'no such route' }, 404));

  app.onError((error, c) => {
    const response = toErrorResponse(error);
    if (response.unexpected) logger?.error({ err: error, route: c.req.routePath }, 'request failed');
    else if (response.status >= 500) {
      logger?.warn({ err: error, route: c.req.routePath }, 'request could not be served');
    }
    if (response.status === 401) c.header('WWW-Authenticate', 'Bearer');
    return c.json(response.body, response.status as ContentfulStatusCode);
  });

  return app;
}
