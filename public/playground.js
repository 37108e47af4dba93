// @ts-check
/**
 * The playground at `/`: lists the served models, classifies a text or a text
 * pair, and shows the scores, the timings, the tokens and, on failure, the
 * problem document. Plain DOM and fetch, so it needs no build step.
 *
 * The API key lives in `apiKey` only, never in storage or the URL, so that a
 * reload (or another tab) forgets it.
 */

/**
 * @typedef {{ id: string, version: string | null, architecture: string | null, precision: string | null,
 *   labels: string[], random_weights: boolean | null, loaded: boolean }} ModelSummary
 * @typedef {{ sizes: { weights_bytes: number, tokenizer_bytes: number } | null, max_length: number | null }} ModelDetail
 * @typedef {{ label: string, score: number }} LabelScore
 * @typedef {{ ids: number[], tokens: string[], token_type_ids: number[] }} Encoding
 * @typedef {{ title: string, detail: string, status: number | null, type: string | null,
 *   errors: Array<{ path: string, message: string }> }} Problem
 * @typedef {{ data: unknown, ms: number, headers: Headers }} Answer
 */

const EXAMPLES = {
  spam: 'WINNER!! You have been selected for a FREE cash prize. Click here to claim now!!!',
  ham: 'Hi Tom, the meeting moved to 3pm tomorrow, can you bring the quarterly report?',
}

let apiKey = ''

/** @type {Map<string, number | null>} each listed model's max_length, from the last listing */
const maxLengths = new Map()

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
function byId(id, type) {
  const el = document.getElementById(id)
  if (!(el instanceof type)) throw new Error(`the page has no #${id}`)
  return el
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [text]
 * @param {string} [className]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, text, className) {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (className !== undefined) node.className = className
  return node
}

/** A failed call, carrying what the page shows: the problem document's title and detail. */
class ProblemError extends Error {
  /** @param {Problem} problem */
  constructor(problem) {
    super(problem.detail)
    this.problem = problem
  }
}

/**
 * The problem document of a failed answer; an answer that is not one (a proxy's
 * error page) still gets a title and a detail.
 * @param {Response} res
 * @param {string} text
 * @returns {Problem}
 */
function problemOf(res, text) {
  /** @type {Record<string, unknown>} */
  let body = {}
  try {
    const parsed = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null) body = parsed
  } catch {
    // not JSON: shown as text below
  }
  const str = (/** @type {unknown} */ v) => (typeof v === 'string' ? v : null)
  const errors = Array.isArray(body.errors) ? body.errors : []
  return {
    title: str(body.title) ?? `HTTP ${res.status} ${res.statusText}`.trim(),
    detail: str(body.detail) ?? (text.slice(0, 500) || 'The server sent no explanation.'),
    status: typeof body.status === 'number' ? body.status : res.status,
    type: str(body.type),
    errors: errors.filter((e) => typeof e?.path === 'string' && typeof e?.message === 'string'),
  }
}

/**
 * GET `path`, or POST `body` as JSON; throws a ProblemError for anything but a 2xx.
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<Answer>}
 */
async function call(path, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (apiKey !== '') headers.Authorization = `Bearer ${apiKey}`
  const started = performance.now()
  /** @type {Response} */
  let res
  try {
    res = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    })
  } catch (error) {
    throw new ProblemError({
      title: 'Network error',
      detail: `${path} did not answer: ${String(error)}`,
      status: null,
      type: null,
      errors: [],
    })
  }
  const text = await res.text()
  const ms = performance.now() - started
  if (!res.ok) throw new ProblemError(problemOf(res, text))
  return { data: JSON.parse(text), ms, headers: res.headers }
}

/** @param {unknown} error */
function showProblem(error) {
  const problem =
    error instanceof ProblemError
      ? error.problem
      : { title: 'Error in the page', detail: String(error), status: null, type: null, errors: [] }
  byId('problem-title', HTMLHeadingElement).textContent = problem.title
  byId('problem-detail', HTMLParagraphElement).textContent = problem.detail
  byId('problem-errors', HTMLUListElement).replaceChildren(...problem.errors.map((e) => el('li', `${e.path}: ${e.message}`)))
  const meta = [problem.status === null ? '' : `HTTP ${problem.status}`, problem.type ?? ''].filter(Boolean).join(' · ')
  byId('problem-meta', HTMLParagraphElement).textContent = meta
  byId('problem-hint', HTMLParagraphElement).hidden = problem.status !== 401 && problem.status !== 403
  byId('problem', HTMLElement).hidden = false
}

function clearProblem() {
  byId('problem', HTMLElement).hidden = true
}

/** @param {number} bytes */
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

/** @param {number} ms */
const millis = (ms) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`

/**
 * One table row per served model; the select keeps its choice when it can.
 * @param {Array<ModelSummary & Partial<ModelDetail>>} models
 */
function renderModels(models) {
  const rows = models.map((m) => {
    const tr = el('tr')
    const name = el('th', m.id)
    name.scope = 'row'
    if (m.random_weights === true) name.append(' ', el('span', 'random weights', 'tag'))
    const size = m.sizes ? mib(m.sizes.weights_bytes) : '–'
    tr.append(
      name,
      el('td', [m.architecture, m.precision].filter(Boolean).join(' · ') || '–'),
      el('td', m.labels.join(', ') || '–'),
      el('td', m.version ?? 'none active', 'version'),
      el('td', size),
      el('td', m.loaded ? 'yes' : 'no', m.loaded ? 'loaded' : 'cold'),
    )
    return tr
  })
  byId('models', HTMLTableElement).tBodies[0]?.replaceChildren(...rows)
  const select = byId('model', HTMLSelectElement)
  const chosen = select.value
  const servable = models.filter((m) => m.version !== null)
  select.replaceChildren(...servable.map((m) => new Option(m.id, m.id, false, m.id === chosen)))
  byId('models-status', HTMLParagraphElement).textContent =
    models.length === 0
      ? 'No model is published. `npm run models -- publish` adds one.'
      : `${models.length} published; "loaded" means this Worker isolate holds the model in memory.`
}

/** GET /v1/models, then each model's detail for its size. */
async function loadModels() {
  const status = byId('models-status', HTMLParagraphElement)
  try {
    const list = /** @type {{ models: ModelSummary[] }} */ ((await call('/v1/models')).data)
    const details = await Promise.all(
      list.models.map(async (m) => /** @type {ModelDetail} */ ((await call(`/v1/models/${encodeURIComponent(m.id)}`)).data)),
    )
    const models = list.models.map((m, i) => ({ ...details[i], ...m }))
    for (const m of models) maxLengths.set(m.id, m.max_length ?? null)
    renderModels(models)
    return true
  } catch (error) {
    status.textContent = 'The models could not be listed (see the error above).'
    showProblem(error)
    return false
  }
}

/** @param {LabelScore[]} scores */
function renderScores(scores) {
  const items = scores.map((s, i) => {
    const li = el('li', undefined, i === 0 ? 'score top' : 'score')
    const bar = el('span', undefined, 'bar')
    bar.setAttribute('aria-hidden', 'true')
    const fill = el('span', undefined, 'fill')
    // Scores are probabilities in [0, 1] unless the model returns raw logits.
    fill.style.width = `${Math.max(0, Math.min(1, s.score)) * 100}%`
    bar.append(fill)
    li.append(el('span', s.label, 'label'), bar, el('span', `${(s.score * 100).toFixed(2)}%`, 'value'))
    return li
  })
  byId('scores', HTMLOListElement).replaceChildren(...items)
}

/**
 * `Server-Timing: load;dur=0;desc="…", tokenize;dur=1, …` as [name, ms, description].
 * @param {string} header
 * @returns {Array<[string, number | null, string]>}
 */
function parseServerTiming(header) {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [name = '', ...params] = part.split(';').map((p) => p.trim())
      const dur = params.find((p) => p.startsWith('dur='))
      const desc = params.find((p) => p.startsWith('desc='))
      return [name, dur === undefined ? null : Number(dur.slice(4)), desc === undefined ? '' : desc.slice(5).replace(/^"|"$/g, '')]
    })
}

/** @param {Answer} answer */
function renderTiming(answer) {
  /** @type {Array<[string, string, string]>} */
  const rows = [['round trip (measured here)', millis(answer.ms), 'fetch to last byte']]
  for (const [name, ms, desc] of parseServerTiming(answer.headers.get('Server-Timing') ?? '')) {
    rows.push([`server ${name}`, ms === null ? '–' : millis(ms), desc])
  }
  const version = answer.headers.get('X-Model-Version')
  if (version !== null) rows.push(['model version', version, ''])
  const items = rows.flatMap(([key, value, note]) => {
    const dd = el('dd', value)
    if (note !== '') dd.append(el('span', ` · ${note}`, 'hint'))
    return [el('dt', key), dd]
  })
  byId('timing', HTMLDListElement).replaceChildren(...items)
}

/**
 * @param {Encoding} encoding
 * @param {number | null} maxLength
 */
function renderTokens(encoding, maxLength) {
  const items = encoding.tokens.map((token, i) => {
    const pair = encoding.token_type_ids[i] === 1
    const li = el('li', token, pair ? 'token pair' : 'token')
    li.title = `id ${encoding.ids[i]}${pair ? ', second text' : ''}`
    return li
  })
  byId('tokens', HTMLOListElement).replaceChildren(...items)
  const limit = maxLength === null ? '' : ` (the model reads at most ${maxLength})`
  byId('token-count', HTMLParagraphElement).textContent = `${encoding.tokens.length} tokens${limit}, special tokens included.`
}

/** @param {SubmitEvent} event */
async function onClassify(event) {
  event.preventDefault()
  const button = byId('classify', HTMLButtonElement)
  const id = byId('model', HTMLSelectElement).value
  const text = byId('text', HTMLTextAreaElement).value
  const pair = byId('text-pair', HTMLTextAreaElement).value
  const inputs = pair.trim() === '' ? text : { text, text_pair: pair }
  button.disabled = true
  button.textContent = 'Classifying…'
  try {
    const path = `/v1/models/${encodeURIComponent(id)}`
    const answer = await call(`${path}/classify`, { inputs })
    // After classify, so that the model's load shows in classify's timing.
    const tokens = await call(`${path}/tokenize`, { inputs })
    clearProblem()
    renderScores(/** @type {LabelScore[]} */ (answer.data))
    renderTiming(answer)
    renderTokens(/** @type {Encoding} */ (tokens.data), maxLengths.get(id) ?? null)
    byId('result', HTMLElement).hidden = false
    await loadModels()
  } catch (error) {
    byId('result', HTMLElement).hidden = true
    showProblem(error)
  } finally {
    button.disabled = false
    button.textContent = 'Classify'
  }
}

/** @param {SubmitEvent} event */
async function onKey(event) {
  event.preventDefault()
  apiKey = byId('api-key', HTMLInputElement).value.trim()
  if (await loadModels()) clearProblem()
}

byId('key-form', HTMLFormElement).addEventListener('submit', (e) => void onKey(e))
byId('classify-form', HTMLFormElement).addEventListener('submit', (e) => void onClassify(e))
byId('refresh', HTMLButtonElement).addEventListener('click', () => void loadModels().then((ok) => ok && clearProblem()))
for (const button of document.querySelectorAll('button[data-example]')) {
  button.addEventListener('click', () => {
    const name = button instanceof HTMLElement ? button.dataset.example : undefined
    if (name === 'spam' || name === 'ham') byId('text', HTMLTextAreaElement).value = EXAMPLES[name]
  })
}
byId('text', HTMLTextAreaElement).value = EXAMPLES.spam
void loadModels()
