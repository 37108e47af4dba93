import { beforeAll, describe, expect, it } from 'vitest'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { api, get, ok, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'

/** The parts of GET /openapi.json this file reads. */
interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, unknown>>
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> }
}

let manifests: ModelManifest[]
beforeAll(async () => {
  manifests = await seedModels()
})

describe('GET /v1/models', () => {
  it('lists every published model with its version, labels and precision', async () => {
    const res = await api.v1.models.$get()
    expect(res.status).toBe(200)
    const { models } = await (await ok(res)).json()
    const byId = Object.fromEntries(models.map((m) => [m.id, m]))
    expect(byId[ELECTRA.id]).toMatchObject({
      version: ELECTRA.version,
      architecture: 'electra',
      precision: 'int8',
      labels: ['ham', 'spam'],
      random_weights: true,
    })
    expect(byId[ALBERT.id]).toMatchObject({ architecture: 'albert', labels: ['toxic', 'obscene', 'insult'] })
  })
})

describe('GET /v1/models/{id}', () => {
  it('describes a model, and whether this isolate has loaded it', async () => {
    const manifest = manifests.find((m) => m.id === ELECTRA.id)
    const describe = async () => (await ok(await api.v1.models[':id'].$get({ param: { id: ELECTRA.id } }))).json()
    const before = await describe()
    expect(before).toMatchObject({
      id: ELECTRA.id,
      hf_architecture: 'ElectraForSequenceClassification',
      problem_type: 'single_label_classification',
      max_length: 64,
      sizes: { weights_bytes: manifest?.versions[0]?.weights.size, tokenizer_bytes: manifest?.versions[0]?.tokenizer.size },
      loaded: false,
      last_failure: null,
    })
    expect((await api.v1.models[':id'].classify.$post({ param: { id: ELECTRA.id }, json: { inputs: 'hi' } })).status).toBe(200)
    const after = await describe()
    expect(after).toMatchObject({ loaded: true, loads: 1 })
    expect(after.load_ms).toEqual(expect.any(Number))
  })

  it('answers an unknown id with 404', async () => {
    const p = await problem(await api.v1.models[':id'].$get({ param: { id: 'nope' } }), 404)
    expect(p.detail).toContain('nope')
  })
})

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document generated from the validating schemas', async () => {
    // The document is served by `doc31`, outside the typed routes.
    const doc: OpenApiDocument = await (await get('/openapi.json')).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/healthz', '/readyz', '/v1/models', '/v1/models/{id}', '/v1/models/{id}/classify', '/v1/models/{id}/tokenize'].sort(),
    )
    expect(Object.keys(doc.components.schemas.Parameters?.properties ?? {}).sort()).toEqual([
      'function_to_apply',
      'max_length',
      'top_k',
      'truncation',
    ])
    expect(doc.components.schemas.Problem).toBeDefined()
  })
})

describe('unknown routes', () => {
  it('answer with a 404 problem document', async () => {
    await problem(await get('/v2/whatever'), 404)
  })
})
