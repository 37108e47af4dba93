/**
 * The live model of each id in this isolate.
 *
 * - Single flight: concurrent first requests share one load.
 * - A model is kept until its manifest's active version changes. The manifest
 *   is re-read at most every `manifestTtlMs`, in the background, so requests
 *   never wait on R2 once a model is warm.
 * - A new version is loaded beside the old one and swapped in atomically;
 *   the old session is released after its in-flight requests finish
 *   (`Lease.done`). If the new version fails to load, the old one keeps
 *   serving and the failure is kept for `GET /v1/models/{id}` and `/readyz`.
 * - A model with nothing live whose load failed answers that failure again
 *   (`LoadBackoffError`, with the seconds left) for `coldRetryMs` without
 *   touching storage, so a broken model under traffic costs one R2 read and
 *   one session attempt per window instead of one per request. An id with no
 *   manifest is not kept: it leaves no slot behind and is looked up again
 *   (one small read), so a model published a moment later is found at once.
 * - Tokenizers are parsed once per isolate per content hash.
 * - Memory: a model is loaded only when its footprint (measured at publish)
 *   and its weights' transient copy fit in `budgetBytes` beside the loaded
 *   models (`residentBytes`: their sessions, and the largest run). Idle models are evicted first, least recently used first, and
 *   their sessions released so that ORT's allocator reuses the space; when
 *   nothing idle is left, the load is refused (`OverBudgetError`, a 503) and
 *   never attempted past the budget.
 *
 * Storage and ORT are injected (`RegistryDeps`), so this module owns only the
 * lifecycle and can be tested with failures that real storage can't produce
 * on demand.
 */
import type { RolloutFailure, ModelManifest, ModelVersion } from '../core/schema/manifest.ts'
import { activeVersion } from '../core/schema/manifest.ts'
import { type Tokenizer } from '../core/tokenizers/tokenizer.ts'
import { type Config, DEFAULT_CONFIG } from '../core/config.ts'
import { type Footprint, footprintOf, loadNeedBytes, residentBytes } from '../core/inference/budget.ts'
import type { ClassifierSession } from '../core/inference/session.ts'
import { AppError, type ErrorKind, isKind, kindOf } from '../core/errors.ts'

export interface RegistryDeps {
  readManifest(id: string): Promise<ModelManifest>
  readWeights(id: string, version: ModelVersion): Promise<Uint8Array>
  readTokenizer(id: string, version: ModelVersion): Promise<Uint8Array>
  parseTokenizer(bytes: Uint8Array): Tokenizer
  createSession(weights: Uint8Array): Promise<ClassifierSession>
  /** ms clock; workerd advances it on I/O only, which is all a TTL needs */
  now(): number
  /** bytes of ORT's Wasm memory now (0 before the backend starts) */
  wasmMemoryBytes(): number
}

export interface RegistryOptions {
  /** how long a read manifest is trusted before a background re-check */
  manifestTtlMs: number
  /** after a failed rollout, how long before that same version is tried again */
  retryFailedMs: number
  /** after a failed load of a model with nothing live, how long requests get that failure back before storage is read again */
  coldRetryMs: number
  /** ORT Wasm memory this isolate may use (WASM_BUDGET_BYTES) */
  budgetBytes: number
}

export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = registryOptions(DEFAULT_CONFIG)

/** The registry's part of the Worker's configuration. */
export function registryOptions(config: Config): RegistryOptions {
  return {
    manifestTtlMs: config.manifestTtlMs,
    retryFailedMs: 300_000,
    coldRetryMs: config.coldRetryMs,
    budgetBytes: config.wasmBudgetBytes,
  }
}

/** One version of a model, ready to serve. */
export interface LiveModel {
  readonly id: string
  readonly version: ModelVersion
  readonly session: ClassifierSession
  readonly tokenizer: Tokenizer
  /** ms spent reading, checking and creating this model */
  readonly loadMs: number
  /** what this model is counted for: its measured footprint, or more if its load grew the heap further */
  readonly footprint: Footprint
}

/** A hold on a live model for the length of one request; call `done` exactly once. */
export interface Lease {
  readonly model: LiveModel
  /** ms this request waited for a load (0 when the model was warm) */
  readonly waitedMs: number
  done(): void
}

export interface LoadFailure {
  version: string | null
  reason: string
  /** the error's kind (not_found, corrupt, ort_error, ...) */
  type: ErrorKind
  at: string
}

/** What `GET /v1/models/{id}` shows about this isolate's copy of a model. */
export interface ModelStatus {
  loaded: boolean
  version: string | null
  load_ms: number | null
  /** successful loads in this isolate (1 after a cold start, +1 per version swap) */
  loads: number
  last_failure: LoadFailure | null
  /** from the manifest this isolate read last (at most one TTL old): the version waiting for the cron */
  pending: string | null
  /** ...and the failed scheduled rollout of that pending version, if any */
  activation_failure: RolloutFailure | null
}

/** This isolate's Wasm memory and the models it holds, for `/readyz`. */
export interface MemoryStatus {
  wasm_memory_bytes: number
  budget_bytes: number
  models: Array<{ id: string; version: string; footprint_bytes: number; in_flight: number }>
}

interface Slot {
  live: LiveModel | undefined
  inFlight: Map<LiveModel, number>
  retired: Set<LiveModel>
  /** the load in progress, keyed by version so a second request for it joins */
  loading: { version: string; promise: Promise<LiveModel> } | undefined
  /** the first load (manifest read + load) while nothing is live */
  starting: Promise<LiveModel> | undefined
  refreshing: Promise<void> | undefined
  checkedAt: number
  /** what the last manifest read said about the scheduled rollout */
  pending: { version: string | null; failure: RolloutFailure | null }
  failure: (LoadFailure & { atMs: number }) | undefined
  loads: number
  /** when a lease on this slot last started, for least-recently-used eviction */
  usedAt: number
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`

/** ORT's message when an allocation fails at the heap's maximum (see capWasmMemory). */
const isOutOfMemory = (e: unknown): boolean => /bad_alloc|out of memory|Cannot enlarge memory/i.test(String(e))

export class ModelRegistry {
  readonly #deps: RegistryDeps
  readonly #options: RegistryOptions
  readonly #slots = new Map<string, Slot>()
  readonly #tokenizers = new Map<string, Promise<Tokenizer>>()
  /** the footprints of the loads in progress, admitted but not yet resident */
  readonly #reserved = new Set<Footprint>()
  /** Wasm bytes in use before this registry loaded anything (ORT's runtime and the starter graphs) */
  #baseline: number | undefined

  /** Options left out take their `DEFAULT_REGISTRY_OPTIONS` value. */
  constructor(deps: RegistryDeps, options: Partial<RegistryOptions> = {}) {
    this.#deps = deps
    this.#options = { ...DEFAULT_REGISTRY_OPTIONS, ...options }
  }

  /**
   * A lease on the live model `id`, loading it first if needed. When the
   * model is warm but its manifest is due a re-check, the check runs in the
   * background: pass it to `waitUntil` so the isolate lets it finish.
   */
  async acquire(id: string, waitUntil?: (p: Promise<unknown>) => void): Promise<Lease> {
    const slot = this.#slot(id)
    const start = this.#deps.now()
    let model = slot.live
    if (model === undefined) {
      this.#throwIfBackingOff(id, slot)
      try {
        model = await this.#loadActive(id, slot)
      } catch (e) {
        if (isKind(e, 'not_found')) this.#dropIfEmpty(id, slot)
        throw e
      }
    } else if (this.#deps.now() - slot.checkedAt >= this.#options.manifestTtlMs) {
      const refresh = this.refresh(id)
      waitUntil?.(refresh)
    }
    return this.#lease(slot, model, this.#deps.now() - start)
  }

  /**
   * Re-reads the manifest and, if the active version changed, loads it and
   * swaps it in. Never throws: a failure leaves the current model serving.
   */
  refresh(id: string): Promise<void> {
    const slot = this.#slot(id)
    slot.refreshing ??= this.#refresh(id, slot).finally(() => {
      slot.refreshing = undefined
    })
    return slot.refreshing
  }

  /**
   * Makes an already built model live, so that the scheduled rollout can
   * hand over the session it has just smoke-tested instead of this isolate
   * loading the same version a second time. Only call it once the model's
   * version is active in the stored manifest. Returns false, taking nothing,
   * when that version is already live or a load or manifest check is under
   * way (it could swap an older version back in); the caller then releases
   * the session itself.
   */
  adopt(model: LiveModel): boolean {
    const slot = this.#slot(model.id)
    const busy = slot.loading !== undefined || slot.starting !== undefined || slot.refreshing !== undefined
    if (busy || slot.live?.version.version === model.version.version) return false
    this.#swap(slot, model)
    slot.loads++
    slot.failure = undefined
    // The caller has just written this manifest (active, nothing pending): it is as fresh as a re-read.
    slot.checkedAt = this.#deps.now()
    slot.pending = { version: null, failure: null }
    return true
  }

  /** What this isolate holds for `id`. */
  status(id: string): ModelStatus {
    const slot = this.#slots.get(id)
    const failure = slot?.failure
    return {
      loaded: slot?.live !== undefined,
      version: slot?.live?.version.version ?? null,
      load_ms: slot?.live?.loadMs ?? null,
      loads: slot?.loads ?? 0,
      last_failure: failure ? { version: failure.version, reason: failure.reason, type: failure.type, at: failure.at } : null,
      pending: slot?.pending.version ?? null,
      activation_failure: slot?.pending.failure ?? null,
    }
  }

  /** This isolate's Wasm memory against its budget, and what each loaded model is counted for. */
  memory(): MemoryStatus {
    const models: MemoryStatus['models'] = []
    for (const [id, slot] of this.#slots) {
      for (const model of this.#held(slot)) {
        const footprint_bytes = model.footprint.session_bytes
        models.push({ id, version: model.version.version, footprint_bytes, in_flight: slot.inFlight.get(model) ?? 0 })
      }
    }
    return { wasm_memory_bytes: this.#deps.wasmMemoryBytes(), budget_bytes: this.#options.budgetBytes, models }
  }

  async #refresh(id: string, slot: Slot): Promise<void> {
    let manifest: ModelManifest
    try {
      manifest = await this.#deps.readManifest(id)
    } catch (e) {
      // Keep serving what we have; the next request after the TTL tries again.
      this.#fail(slot, null, e)
      return
    } finally {
      slot.checkedAt = this.#deps.now()
    }
    this.#notePending(slot, manifest)
    const version = activeVersion(manifest)
    if (version === undefined || version.version === slot.live?.version.version) return
    if (this.#recentlyFailed(slot, version.version)) return
    // A failure is recorded in slot.failure by #load; the current model keeps serving.
    await this.#load(id, slot, version).catch(() => undefined)
  }

  /** The first load of `id` in this isolate: one manifest read and one load, shared by all callers. */
  #loadActive(id: string, slot: Slot): Promise<LiveModel> {
    slot.starting ??= this.#start(id, slot).finally(() => {
      slot.starting = undefined
    })
    return slot.starting
  }

  async #start(id: string, slot: Slot): Promise<LiveModel> {
    let manifest: ModelManifest
    try {
      manifest = await this.#deps.readManifest(id)
    } catch (e) {
      this.#fail(slot, null, e)
      throw e
    }
    slot.checkedAt = this.#deps.now()
    this.#notePending(slot, manifest)
    const version = activeVersion(manifest)
    if (version === undefined) {
      const e = new AppError(
        'no_active_version',
        `Model "${id}" has no active version yet${manifest.pending ? ` (version ${manifest.pending} is pending rollout)` : ''}. Publish it again without --stage to serve it at once, or wait for the scheduled rollout.`,
      )
      this.#fail(slot, manifest.pending, e)
      throw e
    }
    return this.#load(id, slot, version)
  }

  /** Loads `version` once (joining a load of the same version in progress) and makes it live. */
  #load(id: string, slot: Slot, version: ModelVersion): Promise<LiveModel> {
    if (slot.loading?.version === version.version) return slot.loading.promise
    const promise = this.#build(id, version).then(
      (model) => {
        this.#swap(slot, model)
        slot.loads++
        slot.failure = undefined
        return model
      },
      (e: unknown) => {
        this.#fail(slot, version.version, e)
        throw e
      },
    )
    const loading = { version: version.version, promise }
    slot.loading = loading
    const clear = () => {
      if (slot.loading === loading) slot.loading = undefined
    }
    promise.then(clear, clear)
    return promise
  }

  async #build(id: string, version: ModelVersion): Promise<LiveModel> {
    const start = this.#deps.now()
    const reservation = this.#admit(id, version)
    try {
      return await this.#create(id, version, start)
    } finally {
      this.#reserved.delete(reservation)
    }
  }

  async #create(id: string, version: ModelVersion, start: number): Promise<LiveModel> {
    const [weights, tokenizer] = await Promise.all([this.#deps.readWeights(id, version), this.#tokenizer(id, version)])
    const before = this.#deps.wasmMemoryBytes()
    let session: ClassifierSession
    try {
      // `weights` goes out of scope after this call: ORT frees its own copy too,
      // so only the session's initializers stay resident.
      session = await this.#deps.createSession(weights)
    } catch (e) {
      // The heap's hard maximum was reached (fragmentation, or an estimate too low): free what is idle, once.
      if (!isOutOfMemory(e) || !this.#evictLeastRecentlyUsed(id)) throw this.#outOfMemory(id, version, e)
      while (this.#evictLeastRecentlyUsed(id)) {
        // free every idle model before the one retry
      }
      try {
        session = await this.#deps.createSession(weights)
      } catch (again) {
        throw this.#outOfMemory(id, version, again)
      }
    }
    // Estimates are not enough: a load that grew the heap past the model's measured peak is counted for
    // the excess. Growth below the peak says nothing: it holds scratch space freed after the load.
    const declared = footprintOf(version)
    const excess = this.#deps.wasmMemoryBytes() - before - declared.peak_bytes
    const footprint = excess > 0 ? { session_bytes: declared.session_bytes + excess, peak_bytes: declared.peak_bytes + excess } : declared
    return { id, version, session, tokenizer, loadMs: this.#deps.now() - start, footprint }
  }

  /**
   * Admits `version` of `id` from outside the registry's own loads (the
   * scheduled rollout's candidate), as a load is admitted: idle models are
   * evicted first, and over_budget is thrown when it cannot fit. Returns the
   * release of the reservation, to call once the session is adopted or gone.
   */
  reserve(id: string, version: ModelVersion): () => void {
    const reservation = this.#admit(id, version)
    return () => {
      this.#reserved.delete(reservation)
    }
  }

  /**
   * Makes room for `version` within the budget, evicting idle models least
   * recently used first, and reserves it until its load ends (a load in
   * progress counts as loaded, so concurrent cold loads cannot each take the
   * same room); throws over_budget when it cannot fit.
   */
  #admit(id: string, version: ModelVersion): Footprint {
    const budget = this.#options.budgetBytes
    const baseline = (this.#baseline ??= this.#deps.wasmMemoryBytes())
    const footprint = footprintOf(version)
    const need = (loaded: Footprint[]): number => loadNeedBytes(baseline, loaded, version)
    if (need([]) > budget) {
      throw new AppError(
        'over_budget',
        `Model "${id}" version ${version.version} needs ${mib(need([]))} of memory to load (${mib(residentBytes([footprint]))} of Wasm memory once loaded, ` +
          `beside ORT's own ${mib(baseline)}), more than this isolate's budget of ${mib(budget)}. ` +
          'Publish it as int8 or with a lower --max-length, or serve it from a Worker of its own with a larger WASM_BUDGET_BYTES.',
        { model: id, retryAfterSeconds: 300 },
      )
    }
    const fits = (): boolean => need([...this.#resident().map((m) => m.footprint), ...this.#reserved]) <= budget
    while (!fits() && this.#evictLeastRecentlyUsed(id)) {
      // evicted one idle model; check again
    }
    if (!fits()) {
      throw new AppError(
        'over_budget',
        `Model "${id}" does not fit in this isolate's memory budget of ${mib(budget)} now: every other loaded model is serving requests. ` +
          'Retry shortly, or spread the models over more Workers.',
        { model: id, retryAfterSeconds: 1 },
      )
    }
    // A fresh object per load, so that two loads of equal footprints are two reservations.
    const reservation = { ...footprint }
    this.#reserved.add(reservation)
    return reservation
  }

  #outOfMemory(id: string, version: ModelVersion, cause: unknown): unknown {
    if (!isOutOfMemory(cause)) return cause
    return new AppError(
      'over_budget',
      `onnxruntime-web ran out of Wasm memory creating model "${id}" version ${version.version} within this isolate's budget of ${mib(this.#options.budgetBytes)}. Retry shortly, or spread the models over more Workers.`,
      { model: id, retryAfterSeconds: 1 },
    )
  }

  /** Every session this isolate holds: live ones and retired ones still finishing requests. */
  #resident(): LiveModel[] {
    return [...this.#slots.values()].flatMap((slot) => this.#held(slot))
  }

  #held(slot: Slot): LiveModel[] {
    return slot.live === undefined ? [...slot.retired] : [slot.live, ...slot.retired]
  }

  /**
   * Releases the least recently used live model with no request in flight,
   * other than `exceptId`'s; false when there is none. An evicted model loads
   * again on its next request.
   */
  #evictLeastRecentlyUsed(exceptId: string): boolean {
    let oldest: Slot | undefined
    for (const [id, slot] of this.#slots) {
      const idle = slot.live !== undefined && !slot.inFlight.has(slot.live) && slot.loading === undefined && slot.refreshing === undefined
      if (id !== exceptId && idle && (oldest === undefined || slot.usedAt < oldest.usedAt)) oldest = slot
    }
    const model = oldest?.live
    if (oldest === undefined || model === undefined) return false
    oldest.live = undefined
    // Release errors only mean the memory is already gone.
    model.session.release().catch(() => undefined)
    return true
  }

  #tokenizer(id: string, version: ModelVersion): Promise<Tokenizer> {
    const key = version.tokenizer.sha256
    let parsed = this.#tokenizers.get(key)
    if (parsed === undefined) {
      parsed = this.#deps.readTokenizer(id, version).then((bytes) => this.#deps.parseTokenizer(bytes))
      this.#tokenizers.set(key, parsed)
      // A failed read must not be cached: the next load tries again.
      parsed.catch(() => this.#tokenizers.delete(key))
    }
    return parsed
  }

  #swap(slot: Slot, next: LiveModel): void {
    const previous = slot.live
    slot.live = next
    if (previous === undefined || previous === next) return
    slot.retired.add(previous)
    this.#releaseIfIdle(slot, previous)
  }

  #lease(slot: Slot, model: LiveModel, waitedMs: number): Lease {
    slot.usedAt = this.#deps.now()
    slot.inFlight.set(model, (slot.inFlight.get(model) ?? 0) + 1)
    let released = false
    return {
      model,
      waitedMs,
      done: () => {
        if (released) return
        released = true
        const n = (slot.inFlight.get(model) ?? 1) - 1
        if (n > 0) slot.inFlight.set(model, n)
        else slot.inFlight.delete(model)
        this.#releaseIfIdle(slot, model)
      },
    }
  }

  #releaseIfIdle(slot: Slot, model: LiveModel): void {
    if (!slot.retired.has(model) || slot.inFlight.has(model)) return
    slot.retired.delete(model)
    // Release errors only mean the memory is already gone; nothing to do for a request.
    model.session.release().catch(() => undefined)
  }

  #fail(slot: Slot, version: string | null, e: unknown): void {
    const atMs = this.#deps.now()
    slot.failure = {
      version,
      reason: e instanceof Error ? e.message : String(e),
      type: kindOf(e),
      at: new Date(atMs).toISOString(),
      atMs,
    }
  }

  #notePending(slot: Slot, manifest: ModelManifest): void {
    const version = manifest.pending
    slot.pending = { version, failure: manifest.failures.find((f) => f.version === version) ?? null }
  }

  /** Throws the recorded failure of a model with nothing live while it is younger than `coldRetryMs`. */
  #throwIfBackingOff(id: string, slot: Slot): void {
    const f = slot.failure
    // A model that did not fit is tried again at once: the check reads no storage, and room may have been freed.
    if (f === undefined || slot.starting !== undefined || f.type === 'not_found' || f.type === 'over_budget') return
    const left = f.atMs + this.#options.coldRetryMs - this.#deps.now()
    if (left <= 0) return
    const seconds = Math.max(1, Math.ceil(left / 1000))
    // The recorded failure's own kind, so it answers with the same status and problem.
    throw new AppError(f.type, `${f.reason} (This server retries the load in ${seconds} s.)`, { model: id, retryAfterSeconds: seconds })
  }

  /** Forgets an id that has no manifest, unless something started on it meanwhile. */
  #dropIfEmpty(id: string, slot: Slot): void {
    const busy = slot.live !== undefined || slot.starting !== undefined || slot.loading !== undefined || slot.refreshing !== undefined
    if (!busy && slot.inFlight.size === 0 && slot.retired.size === 0 && this.#slots.get(id) === slot) this.#slots.delete(id)
  }

  #recentlyFailed(slot: Slot, version: string): boolean {
    const f = slot.failure
    return f !== undefined && f.version === version && this.#deps.now() - f.atMs < this.#options.retryFailedMs
  }

  #slot(id: string): Slot {
    let slot = this.#slots.get(id)
    if (slot === undefined) {
      slot = {
        live: undefined,
        inFlight: new Map(),
        retired: new Set(),
        loading: undefined,
        starting: undefined,
        refreshing: undefined,
        checkedAt: 0,
        pending: { version: null, failure: null },
        failure: undefined,
        loads: 0,
        usedAt: 0,
      }
      this.#slots.set(id, slot)
    }
    return slot
  }
}
