/**
 * Request bodies of classify and tokenize: the Hugging Face Inference
 * text-classification shape. The same zod schemas validate requests and
 * generate `GET /openapi.json`, so the docs cannot drift from the checks.
 * Limits that come from wrangler vars (batch size, characters) are checked
 * by the routes, which know the configured values.
 */
import { z } from '@hono/zod-openapi'
import { MODEL_ID_PATTERN } from './manifest.ts'

const text = z.string().min(1, 'must not be empty: send at least one character')

export const TextPairSchema = z
  .strictObject({ text, text_pair: text.optional() })
  .openapi('TextPair', { example: { text: 'Is this free?', text_pair: 'Yes, claim your prize now.' } })

/** One input: a text, or a text with an optional second segment. */
export const InputSchema = z.union([text, TextPairSchema]).openapi('Input')

export const ActivationSchema = z.enum(['softmax', 'sigmoid', 'none']).openapi('Activation', {
  description: 'Default: sigmoid for multi-label models, softmax otherwise; none returns the raw logits.',
})

export const ParametersSchema = z
  .strictObject({
    top_k: z
      .number()
      .int()
      .positive()
      .nullable()
      .optional()
      .openapi({ description: 'Return the k best labels; null or absent returns every label.' }),
    function_to_apply: ActivationSchema.optional(),
    truncation: z
      .boolean()
      .optional()
      .openapi({ description: 'Default true. When false, an input longer than max_length is refused (422).' }),
    max_length: z
      .number()
      .int()
      .min(2)
      .optional()
      .openapi({ description: "Tokens per input, including special tokens; at most the model's max_length." }),
  })
  .openapi('Parameters')

export const ClassifyRequestSchema = z
  .strictObject({
    inputs: z.union([InputSchema, z.array(InputSchema).min(1, 'must hold at least one input')]),
    parameters: ParametersSchema.optional(),
  })
  .openapi('ClassifyRequest', {
    example: { inputs: ['Win a free cruise now!', 'See you at lunch?'], parameters: { top_k: 1 } },
  })

export const TokenizeRequestSchema = z
  .strictObject({
    inputs: z.union([InputSchema, z.array(InputSchema).min(1, 'must hold at least one input')]),
    parameters: ParametersSchema.pick({ truncation: true, max_length: true }).optional(),
  })
  .openapi('TokenizeRequest', { example: { inputs: { text: 'Hello there', text_pair: 'General Kenobi' } } })

export const ModelIdParamSchema = z.object({
  id: z
    .string()
    .regex(MODEL_ID_PATTERN, 'a model id: lowercase letters, digits, ".", "_" or "-", at most 64 characters')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'electra-small' }),
})

export type ClassifyRequest = z.infer<typeof ClassifyRequestSchema>
export type TokenizeRequest = z.infer<typeof TokenizeRequestSchema>
export type Input = z.infer<typeof InputSchema>
