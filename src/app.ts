/**
 * The public HTTP API as one Hono app, over a `Backend`: the same routes,
 * middleware, problem documents and OpenAPI document whether the operations
 * run in this isolate (a model Worker, the one-Worker layout) or on the model
 * Workers behind the router (src/router/).
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { timing } from 'hono/timing'
import type { Backend } from './api/backend.ts'
import type { AppEnv, Bindings } from './env.ts'
import { apiKeyAuth } from './middleware/auth.ts'
import { limits } from './middleware/limits.ts'
import { type InFlightGate, loadShed } from './middleware/load-shed.ts'
import { notFound, onError, validationHook } from './middleware/problem.ts'
import { classify } from './routes/classify.ts'
import { health } from './routes/health.ts'
import { models } from './routes/models.ts'
import { tokenize } from './routes/tokenize.ts'

export interface AppOptions {
  /** the backend of one request */
  backendFor(c: Context<AppEnv>): Backend
  /** where this app runs inference: MAX_IN_FLIGHT is counted there (the router leaves it to the model Workers) */
  inFlight?: InFlightGate
}

export function createApp(options: AppOptions) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  app.onError(onError)
  app.notFound(notFound)
  app.use(async (c, next) => {
    c.set('backend', options.backendFor(c))
    await next()
  })
  app.use('/v1/*', apiKeyAuth({ keys: (c) => (c.env as Bindings).API_KEYS }))
  app.use('/readyz', apiKeyAuth({ keys: (c) => (c.env as Bindings).API_KEYS }))
  app.use('/v1/*', limits())
  if (options.inFlight !== undefined) app.use('/v1/models/:id/classify', loadShed(undefined, options.inFlight))
  app.use('/v1/models/:id/*', timing({ total: false }))

  const routes = app.route('/', health).route('/', models).route('/', classify).route('/', tokenize)

  // API keys are optional (no API_KEYS: open), hence `{}` beside the bearer scheme; /docs/ offers the key field.
  routes.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: "One of the API_KEYS secret's keys, when it is set; /healthz and /openapi.json never need one.",
  })

  routes.doc31('/openapi.json', {
    openapi: '3.1.0',
    security: [{}, { apiKey: [] }],
    info: {
      title: 'edge-classify',
      version: '0.1.0',
      description: 'Text classification with int8 ALBERT and ELECTRA-small on Cloudflare Workers. Errors are RFC 9457 problem documents.',
    },
  })
  return routes
}

/** For typed clients (`hc<AppType>`): the same for the router and a model Worker. */
export type AppType = ReturnType<typeof createApp>
