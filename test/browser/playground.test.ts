/**
 * The playground and the API docs in a real browser (system Chromium through
 * playwright-core) against a real `wrangler dev` serving the default models
 * with API_KEYS set (global-setup.ts). What the page shows is checked against
 * what the API answers for the same request.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium } from './support/chromium.ts'
import type { Browser } from './support/chromium.ts'

const playground = inject('playground')
const base = playground?.base ?? ''
const API_KEY = playground?.apiKey ?? ''
const modelIds = playground?.models ?? []

const SPAM = 'WINNER!! You have been selected for a FREE cash prize. Click here to claim now!!!'

interface Problem {
  title: string
  detail: string
}

/** The API's own answer, for comparison with what the page shows. */
async function api<T>(path: string, body?: unknown, key: string | null = API_KEY): Promise<{ status: number; data: T; headers: Headers }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (key !== null) headers.Authorization = `Bearer ${key}`
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  })
  return { status: res.status, data: (await res.json()) as T, headers: res.headers }
}

/** The problem box's title and detail once it is visible. */
async function shownProblem(page: Page): Promise<Problem> {
  await page.locator('#problem').waitFor({ state: 'visible' })
  return { title: await page.locator('#problem-title').innerText(), detail: await page.locator('#problem-detail').innerText() }
}

async function useKey(page: Page, key: string): Promise<void> {
  await page.fill('#api-key', key)
  await page.click('#key-form button[type=submit]')
}

/** Submits the classify form and waits until the page has the answer (or the error). */
async function classify(page: Page, model: string, text: string, pair = ''): Promise<void> {
  await page.selectOption('#model', model)
  await page.fill('#text', text)
  await page.fill('#text-pair', pair)
  // The button is disabled while the page waits for the API.
  await page.click('#classify')
  await page.locator('#classify:enabled').waitFor()
}

describe.skipIf(playground === null)('the playground at /', () => {
  let browser: Browser
  let page: Page
  const requests: string[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    browser = await launchChromium()
    page = await browser.context.newPage()
    page.on('request', (r) => requests.push(r.url()))
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    await page.goto(`${base}/`)
  })
  afterAll(async () => {
    await browser.close()
  })

  it('shows the problem document while the key is missing or wrong', async () => {
    const missing = await api<Problem>('/v1/models', undefined, null)
    expect(missing.status).toBe(401)
    expect(await shownProblem(page)).toEqual({ title: missing.data.title, detail: missing.data.detail })
    expect(await page.locator('#problem-hint').isVisible()).toBe(true)
    expect(await page.locator('#models tbody tr').count()).toBe(0)

    await useKey(page, 'not-the-key')
    const wrong = await api<Problem>('/v1/models', undefined, 'not-the-key')
    expect(wrong.status).toBe(403)
    await page.locator('#problem-title', { hasText: wrong.data.title }).waitFor()
    expect(await shownProblem(page)).toEqual({ title: wrong.data.title, detail: wrong.data.detail })
  })

  it('lists the served models with labels, version, size and load state once the key is set', async () => {
    await useKey(page, API_KEY)
    await page.locator('#problem').waitFor({ state: 'hidden' })
    const { data } = await api<{ models: Array<{ id: string; version: string; labels: string[] }> }>('/v1/models')
    const rows = page.locator('#models tbody tr')
    await expect.poll(() => rows.count()).toBe(data.models.length)
    expect(data.models.map((m) => m.id).sort()).toEqual([...modelIds].sort())
    for (const [i, model] of data.models.entries()) {
      const cells = await rows.nth(i).locator('th, td').allInnerTexts()
      expect(cells[0]).toBe(model.id)
      expect(cells[2]).toBe(model.labels.join(', '))
      expect(cells[3]).toBe(model.version)
      expect(cells[4]).toMatch(/^\d+\.\d MiB$/)
      expect(['yes', 'no']).toContain(cells[5])
    }
    expect(await page.locator('#model option').allInnerTexts()).toEqual(data.models.map((m) => m.id))
  })

  it.each(modelIds)('classifies a typed message with %s: bars, labels, timing and tokens', async (model) => {
    await classify(page, model, SPAM)
    await page.locator('#result').waitFor({ state: 'visible' })
    const expected = await api<Array<{ label: string; score: number }>>(`/v1/models/${model}/classify`, { inputs: SPAM })
    expect(expected.status).toBe(200)
    expect(expected.data[0]?.label).toBe('spam')

    const scores = page.locator('#scores li')
    expect(await scores.count()).toBe(expected.data.length)
    for (const [i, { label, score }] of expected.data.entries()) {
      const row = scores.nth(i)
      expect(await row.locator('.label').innerText()).toBe(label)
      expect(await row.locator('.value').innerText()).toBe(`${(score * 100).toFixed(2)}%`)
      // The drawn bar, not only its style: its fill spans the score's share of the track.
      const track = await row.locator('.bar').boundingBox()
      const fill = await row.locator('.fill').boundingBox()
      expect(track && fill ? fill.width / track.width : Number.NaN).toBeCloseTo(score, 2)
    }
    expect(await scores.first().getAttribute('class')).toContain('top')

    const timing = await page.locator('#timing dt').allInnerTexts()
    expect(timing[0]).toBe('round trip (measured here)')
    for (const part of ['load', 'tokenize', 'infer']) expect(timing.some((t) => t.startsWith(`server ${part}`))).toBe(true)
    const version = await page.locator('#timing dd').last().innerText()
    expect(version).toBe(expected.headers.get('X-Model-Version'))

    const tokens = await api<{ tokens: string[] }>(`/v1/models/${model}/tokenize`, { inputs: SPAM })
    expect(await page.locator('#tokens li').allInnerTexts()).toEqual(tokens.data.tokens)

    const row = page.locator('#models tbody tr', { has: page.locator('th', { hasText: model }) })
    await expect.poll(() => row.locator('td').last().innerText()).toBe('yes')
  })

  it('classifies a text pair and marks the second text in the tokens', async () => {
    const model = modelIds[modelIds.length - 1] ?? ''
    const inputs = { text: 'Is this offer real?', text_pair: 'Claim your prize now' }
    await classify(page, model, inputs.text, inputs.text_pair)
    const expected = await api<Array<{ label: string }>>(`/v1/models/${model}/classify`, { inputs })
    expect(await page.locator('#scores .label').allInnerTexts()).toEqual(expected.data.map((s) => s.label))
    const tokens = await api<{ token_type_ids: number[] }>(`/v1/models/${model}/tokenize`, { inputs })
    expect(await page.locator('#tokens li.pair').count()).toBe(tokens.data.token_type_ids.filter((t) => t === 1).length)
  })

  it("shows a failed classify's problem title and detail", async () => {
    const model = modelIds[0] ?? ''
    const tooLong = 'spam '.repeat(2001)
    await classify(page, model, tooLong)
    const expected = await api<Problem>(`/v1/models/${model}/classify`, { inputs: tooLong })
    expect(expected.status).toBeGreaterThanOrEqual(400)
    expect(await shownProblem(page)).toEqual({ title: expected.data.title, detail: expected.data.detail })
    expect(await page.locator('#problem-hint').isHidden()).toBe(true)
    expect(await page.locator('#result').isHidden()).toBe(true)
  })

  it('keeps the API key in page memory only', async () => {
    // Evaluated in the page (the tests' TypeScript has no DOM types).
    const stored: unknown = await page.evaluate(
      '({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie, url: location.href })',
    )
    expect(stored).toEqual({ local: 0, session: 0, cookie: '', url: `${base}/` })
    await page.reload()
    expect(await page.inputValue('#api-key')).toBe('')
    expect((await shownProblem(page)).title).toBe('Unauthorized')
  })

  it('loads nothing from another origin and throws no script error', () => {
    expect(requests.length).toBeGreaterThan(0)
    expect(requests.filter((url) => !url.startsWith(`${base}/`))).toEqual([])
    expect(pageErrors).toEqual([])
  })
})

describe.skipIf(playground === null)('the API docs at /docs', () => {
  it('render /openapi.json with Swagger UI from local assets, and try a call with the key', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.context.newPage()
      const requests: string[] = []
      const pageErrors: string[] = []
      page.on('request', (r) => requests.push(r.url()))
      page.on('pageerror', (e) => pageErrors.push(String(e)))
      await page.goto(`${base}/docs`)
      const paths = page.locator('.opblock-summary-path')
      await paths.first().waitFor()
      const shown = await paths.allInnerTexts()
      const doc = await api<{ paths: Record<string, unknown> }>('/openapi.json', undefined, null)
      expect(shown.map((p) => p.replace(/\u200b/g, '').trim()).sort()).toEqual(
        Object.entries(doc.data.paths)
          .flatMap(([path, ops]) => Object.keys(ops as object).map(() => path))
          .sort(),
      )
      expect(requests.some((url) => url === `${base}/openapi.json`)).toBe(true)

      // "Try it out" against the Worker, with the key given to Swagger UI's Authorize dialog.
      await page.click('button.authorize')
      await page.fill('.modal-ux input', API_KEY)
      await page.click('.modal-ux .auth-btn-wrapper button.authorize')
      await page.click('.modal-ux button.btn-done')
      const operation = page.locator('.opblock', { has: page.locator('.opblock-summary-path[data-path="/v1/models"]') })
      await operation.locator('.opblock-summary').click()
      await operation.locator('button.execute').click()
      const status = operation.locator('.live-responses-table tbody td.response-col_status').first()
      await status.waitFor()
      expect((await status.innerText()).trim()).toBe('200')
      expect(await operation.locator('.live-responses-table tbody td.response-col_description').first().innerText()).toContain('"models"')

      expect(requests.filter((url) => !url.startsWith(`${base}/`))).toEqual([])
      expect(pageErrors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
