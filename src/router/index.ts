/**
 * The router Worker of a suite: the public HTTP API (auth, limits, problem
 * documents, OpenAPI, the playground's static files) in front of the model
 * Workers, which it reaches over service bindings (`Serving`). It loads no
 * model itself, so its isolate stays small; each model Worker has its own
 * isolates and its own 128 MB. Users' Workers bind its `Classifier`
 * entrypoint as they would bind a single Worker's.
 */
import { createApp } from '../app.ts'
import { configOf } from '../core/config.ts'
import type { Bindings } from '../env.ts'
import { classifierEntrypoint } from '../rpc/classifier.ts'
import { Placement, remoteBackend, tickAll } from './remote.ts'

let placement: Placement | undefined

/** The isolate's placement cache; the vars are the same for every request an isolate serves. */
function placementFor(env: Bindings): Placement {
  placement ??= new Placement(configOf(env))
  return placement
}

const backendFor = (env: Bindings) => remoteBackend(env, placementFor(env))

const app = createApp({ backendFor: (c) => backendFor(c.env) })

/** The RPC entrypoint for users' Workers, over the model Workers. */
export const Classifier = classifierEntrypoint({ backendFor })

export default {
  fetch: app.fetch,
  /** `curl /cdn-cgi/handler/scheduled` on the router ticks every model Worker (deployed, each has its own cron). */
  async scheduled(_controller, env) {
    await tickAll(env, placementFor(env))
  },
} satisfies ExportedHandler<Bindings>
