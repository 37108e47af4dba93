import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getPlatformProxy, unstable_readConfig } from 'wrangler'
import { repoRoot } from '../paths.ts'

const run = promisify(execFile)

/**
 * Where a publish writes: the R2 bucket (weights, manifests) and the KV
 * namespace (tokenizers) that the Worker binds as MODELS and TOKENIZERS.
 */
export interface Stores {
  readonly description: string
  /** whether listObjects sees every object (wrangler's CLI cannot list R2, so remote pruning keeps blobs) */
  readonly canList: boolean
  getObject(key: string): Promise<Uint8Array | null>
  /** the object and its etag; the etag is null where the store cannot report one (wrangler's CLI) */
  getVersioned(key: string): Promise<{ bytes: Uint8Array; etag: string | null } | null>
  hasObject(key: string): Promise<boolean>
  /** writes; with `ifEtag`, only if the stored object still has that etag (false: it changed, nothing written) */
  putObject(key: string, bytes: Uint8Array, contentType: string, ifEtag?: string): Promise<boolean>
  deleteObject(key: string): Promise<void>
  listObjects(prefix: string): Promise<string[]>
  hasKv(key: string): Promise<boolean>
  putKv(key: string, bytes: Uint8Array): Promise<void>
  deleteKv(key: string): Promise<void>
  close(): Promise<void>
}

export interface StoreOptions {
  /** wrangler config; defaults to the repository's wrangler.toml */
  configPath?: string
  /** like `wrangler dev --persist-to`: the folder holding `v3/`; defaults to wrangler's own `.wrangler/state` */
  persistTo?: string
}

/** The slice of the R2 and KV binding APIs a publish uses. */
interface Bindings {
  MODELS: {
    get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; etag: string } | null>
    head(key: string): Promise<object | null>
    put(
      key: string,
      value: Uint8Array,
      options: { httpMetadata: { contentType: string }; onlyIf?: { etagMatches: string } },
    ): Promise<object | null>
    delete(key: string): Promise<void>
    list(options: {
      prefix: string
      cursor?: string
    }): Promise<
      { objects: Array<{ key: string }>; truncated: true; cursor: string } | { objects: Array<{ key: string }>; truncated: false }
    >
  }
  TOKENIZERS: {
    get(key: string, type: 'arrayBuffer'): Promise<ArrayBuffer | null>
    put(key: string, value: Uint8Array): Promise<void>
    delete(key: string): Promise<void>
  }
}

/** Socket-level failures of a request on a connection the server had already closed. */
const DROPPED_CONNECTION = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE'])

/** Whether `error` (undici's `fetch failed` TypeError, or its cause) is a dropped connection. */
export function isDroppedConnection(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && DROPPED_CONNECTION.has(code)) return true
  }
  return false
}

/** Attempts per store operation: a block can leave every pooled connection dead, each found on use. */
const ATTEMPTS = 3

/**
 * Runs `operation`, again on a fresh connection if its connection turned out
 * to be dead.
 *
 * The platform proxy keeps keep-alive connections to its workerd. A publish
 * converts, quantizes and verifies synchronously, and while that blocks the
 * event loop the server closes the idle connections unseen; the next request
 * is then written into a closed socket. Every store operation is idempotent
 * (content-addressed puts, the manifest put of the same bytes, reads, lists
 * and deletes), so repeating it is safe, and simpler than keeping the loop
 * free during the build.
 */
export async function retryOnDroppedConnection<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (attempt >= ATTEMPTS || !isDroppedConnection(error)) throw error
    }
  }
}

/**
 * The local R2/KV that `wrangler dev` (and so `npm start`) serves, reached
 * through wrangler's platform proxy: a write shows up in a running dev server
 * without a restart.
 */
export async function openLocalStores(options: StoreOptions = {}): Promise<Stores> {
  const configPath = options.configPath ?? join(repoRoot, 'wrangler.toml')
  const persist = options.persistTo === undefined ? true : { path: join(options.persistTo, 'v3') }
  const proxy = await getPlatformProxy<Bindings>({ configPath, persist, remoteBindings: false })
  const { MODELS, TOKENIZERS } = proxy.env
  const retry = retryOnDroppedConnection
  return {
    description: `local state (${options.persistTo ?? '.wrangler/state'})`,
    canList: true,
    getObject: (key) =>
      retry(async () => {
        const object = await MODELS.get(key)
        return object === null ? null : new Uint8Array(await object.arrayBuffer())
      }),
    getVersioned: (key) =>
      retry(async () => {
        const object = await MODELS.get(key)
        return object === null ? null : { bytes: new Uint8Array(await object.arrayBuffer()), etag: object.etag }
      }),
    hasObject: (key) => retry(async () => (await MODELS.head(key)) !== null),
    // A retried conditional put after a dropped connection may find its own first write: then it reports a conflict, never a lost update.
    putObject: (key, bytes, contentType, ifEtag) =>
      retry(
        async () =>
          (await MODELS.put(key, bytes, {
            httpMetadata: { contentType },
            ...(ifEtag === undefined ? {} : { onlyIf: { etagMatches: ifEtag } }),
          })) !== null,
      ),
    deleteObject: (key) => retry(() => MODELS.delete(key)),
    async listObjects(prefix) {
      const keys: string[] = []
      let cursor: string | undefined
      do {
        const page = await retry(() => MODELS.list({ prefix, cursor }))
        keys.push(...page.objects.map((o) => o.key))
        cursor = page.truncated ? page.cursor : undefined
      } while (cursor !== undefined)
      return keys
    },
    hasKv: (key) => retry(async () => (await TOKENIZERS.get(key, 'arrayBuffer')) !== null),
    putKv: (key, bytes) => retry(() => TOKENIZERS.put(key, bytes)),
    deleteKv: (key) => retry(() => TOKENIZERS.delete(key)),
    close: () => proxy.dispose(),
  }
}

/**
 * The user's Cloudflare account, through the wrangler CLI (so its login and
 * account selection apply). Bucket and namespace come from wrangler.toml.
 */
export async function openRemoteStores(options: StoreOptions = {}): Promise<Stores> {
  const configPath = options.configPath ?? join(repoRoot, 'wrangler.toml')
  const config = unstable_readConfig({ config: configPath })
  const bucket = config.r2_buckets.find((b: { binding: string }) => b.binding === 'MODELS')?.bucket_name
  const namespace = config.kv_namespaces.find((k: { binding: string }) => k.binding === 'TOKENIZERS')?.id
  if (bucket === undefined || namespace === undefined) {
    throw new Error(`${configPath} must bind an R2 bucket as MODELS and a KV namespace as TOKENIZERS.`)
  }
  const scratch = await mkdtemp(join(tmpdir(), 'edge-classify-'))
  const wrangler = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('wrangler', [...args, '--config', configPath], {
      cwd: repoRoot,
      maxBuffer: 64 << 20,
    })
    return stdout
  }
  const objectPath = (key: string): string => `${bucket}/${key}`
  const getObject = async (key: string): Promise<Uint8Array | null> => {
    const file = join(scratch, 'get')
    try {
      await wrangler('r2', 'object', 'get', objectPath(key), '--remote', '--file', file)
    } catch (error) {
      if (/not found|does not exist|NoSuchKey/i.test(String(error))) return null
      throw error
    }
    return new Uint8Array(await readFile(file))
  }
  return {
    description: `remote bucket ${bucket}, KV namespace ${namespace}`,
    canList: false,
    getObject,
    async getVersioned(key) {
      const bytes = await getObject(key)
      return bytes === null ? null : { bytes, etag: null }
    },
    async hasObject(key) {
      return (await getObject(key)) !== null
    },
    // wrangler's CLI has no conditional put: a remote write is last-writer-wins (getVersioned gives no etag).
    async putObject(key, bytes, contentType) {
      const file = join(scratch, 'put')
      await writeFile(file, bytes)
      await wrangler('r2', 'object', 'put', objectPath(key), '--remote', '--file', file, '--content-type', contentType)
      return true
    },
    async deleteObject(key) {
      await wrangler('r2', 'object', 'delete', objectPath(key), '--remote')
    },
    listObjects() {
      return Promise.reject(new Error('wrangler cannot list R2 objects; check stores.canList first.'))
    },
    async hasKv(key) {
      const keys = JSON.parse(await wrangler('kv', 'key', 'list', '--namespace-id', namespace, '--remote', '--prefix', key)) as Array<{
        name: string
      }>
      return keys.some((k) => k.name === key)
    },
    async putKv(key, bytes) {
      const file = join(scratch, 'kv')
      await writeFile(file, bytes)
      await wrangler('kv', 'key', 'put', key, '--namespace-id', namespace, '--remote', '--path', file)
    },
    async deleteKv(key) {
      await wrangler('kv', 'key', 'delete', key, '--namespace-id', namespace, '--remote')
    },
    close: () => rm(scratch, { recursive: true, force: true }),
  }
}
