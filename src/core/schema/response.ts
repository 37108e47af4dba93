/**
 * Response bodies. Declared with zod for `GET /openapi.json`; the routes
 * build them from typed values, so they are not re-validated at run time.
 */
import { z } from '@hono/zod-openapi'

export const LabelScoreSchema = z
  .object({ label: z.string(), score: z.number() })
  .openapi('LabelScore', { example: { label: 'spam', score: 0.93 } })

export const ClassifyResponseSchema = z.union([z.array(LabelScoreSchema), z.array(z.array(LabelScoreSchema))]).openapi('ClassifyResponse', {
  description: 'One input: labels sorted by score. A list of inputs: one such list per input, in order.',
})

export const EncodingSchema = z
  .object({
    ids: z.array(z.number().int()),
    tokens: z.array(z.string()),
    attention_mask: z.array(z.number().int()),
    token_type_ids: z.array(z.number().int()),
    offsets: z.array(z.tuple([z.number().int(), z.number().int()])).openapi({
      description: '[start, end) in UTF-16 code units of text (of text_pair for type 1); [0, 0] for special tokens',
    }),
  })
  .openapi('Encoding')

export const TokenizeResponseSchema = z.union([EncodingSchema, z.array(EncodingSchema)]).openapi('TokenizeResponse')

const FailureSchema = z
  .object({ version: z.string().nullable(), reason: z.string(), type: z.string(), at: z.string() })
  .openapi('LoadFailure')

export const ModelSummarySchema = z
  .object({
    id: z.string(),
    version: z.string().nullable().openapi({ description: 'the active version; null until one is rolled out' }),
    pending: z.string().nullable(),
    architecture: z.string().nullable(),
    precision: z.string().nullable().openapi({ description: 'int8 (dynamically quantized) or fp32' }),
    labels: z.array(z.string()),
    random_weights: z.boolean().nullable().openapi({ description: 'true while the weights are untrained defaults' }),
    loaded: z.boolean().openapi({ description: 'whether this isolate holds a session for the model' }),
    worker: z.string().nullable().openapi({ description: 'the model Worker its manifest places it on in a suite (null: the first)' }),
  })
  .openapi('ModelSummary')

/** One isolate's memory: what `/readyz` reports per Worker isolate. */
export const IsolateSchema = z
  .object({
    name: z.string().openapi({ description: 'the Worker that answered' }),
    wasm_memory_bytes: z.number().int(),
    budget_bytes: z.number().int().openapi({ description: 'WASM_BUDGET_BYTES: no model is loaded past it' }),
    models: z.array(
      z.object({
        id: z.string(),
        version: z.string(),
        footprint_bytes: z.number().int().openapi({ description: 'Wasm bytes the model is counted for (measured at publish)' }),
        in_flight: z.number().int(),
      }),
    ),
  })
  .openapi('Isolate')

export const ModelDetailSchema = ModelSummarySchema.extend({
  hf_architecture: z.string().nullable(),
  problem_type: z.string().nullable(),
  max_length: z.number().int().nullable(),
  inputs: z.array(z.string()),
  sizes: z.object({ weights_bytes: z.number().int(), tokenizer_bytes: z.number().int() }).nullable(),
  description: z.string().nullable(),
  created_at: z.string().nullable(),
  versions: z.array(z.object({ version: z.string(), created_at: z.string(), precision: z.string() })),
  load_ms: z.number().nullable(),
  loads: z.number().int().openapi({ description: 'successful loads of this model in this isolate' }),
  last_failure: FailureSchema.nullable().openapi({ description: "this isolate's last failed load of the model" }),
  activation_failures: z
    .array(z.object({ version: z.string(), reason: z.string(), at: z.string(), attempts: z.number().int() }))
    .openapi({ description: 'failed scheduled rollouts recorded in the manifest' }),
  isolate: IsolateSchema.optional().openapi({
    description: 'the isolate that answered: its Wasm memory, its budget and the models it holds',
  }),
}).openapi('ModelDetail')

export const ModelListSchema = z.object({ models: z.array(ModelSummarySchema) }).openapi('ModelList')

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health')

export const ReadySchema = z
  .object({
    status: z.literal('ready'),
    models: z.record(
      z.string(),
      z.object({
        version: z.string(),
        load_ms: z.number().nullable(),
        pending: z.string().nullable().openapi({ description: 'a version staged for the scheduled rollout' }),
        activation_failure: z
          .object({ version: z.string(), reason: z.string(), at: z.string(), attempts: z.number().int() })
          .nullable()
          .openapi({ description: 'why the pending version failed its scheduled rollout (the active version keeps serving)' }),
      }),
    ),
    wasm_memory_bytes: z.number().int().openapi({
      description:
        "onnxruntime-web's Wasm memory of the isolates that answered, together (each grows, never shrinks; each isolate's limit is 128 MB)",
    }),
    isolates: z
      .array(IsolateSchema)
      .openapi({ description: 'each isolate that answered: its Wasm memory, its budget and the models it holds' }),
  })
  .openapi('Ready')
