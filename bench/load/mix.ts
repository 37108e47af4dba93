/**
 * The request mix of the load test: both default models, batches of 1, 4 and
 * 8, short and long texts. Weighted towards what a classifier mostly gets
 * (single short texts), with every kind present; requests follow a fixed
 * round-robin over the weighted list, so two runs send the same mix.
 */

export interface RequestKind {
  /** e.g. "albert-base-v2 b8 long" */
  name: string
  model: string
  batch: number
  length: 'short' | 'long'
  /** the JSON body */
  body: string
  /** share of the requests, in slots of the round-robin */
  weight: number
}

const SHORT = [
  'Win a FREE cruise to the Bahamas, reply now!',
  'Are we still on for lunch tomorrow?',
  'Your invoice for November is attached.',
  'Congratulations, you have been selected for a cash prize.',
  'Can you review my pull request before Friday?',
  'Limited offer: cheap meds without prescription.',
  'The meeting moved to room 4B at three.',
  'Click here to verify your account password.',
]

const PARAGRAPH =
  'The committee approved a new budget for public libraries after months of debate and several late night meetings, ' +
  'while residents asked whether the bus service would return to the northern districts before winter arrives. ' +
  'Our team shipped the release on Friday but customers reported slow pages, so we rolled back and fixed the cache. ' +
  'Please send me the invoice for last month together with the signed contract and any notes about delivery times.'

/** About 80 words (≈ 100 tokens with either tokenizer); `variant` rotates the sentences so batch rows differ. */
function longText(variant: number): string {
  const sentences = PARAGRAPH.split('. ')
  const rotated = [...sentences.slice(variant % sentences.length), ...sentences.slice(0, variant % sentences.length)]
  return rotated.join('. ')
}

const texts = (batch: number, length: 'short' | 'long'): string[] =>
  Array.from({ length: batch }, (_, i) => (length === 'short' ? (SHORT[i % SHORT.length] ?? 'hi') : longText(i)))

/** Slots per (batch, length) in the round-robin, for each model. */
const WEIGHTS: Array<[number, 'short' | 'long', number]> = [
  [1, 'short', 6],
  [1, 'long', 2],
  [4, 'short', 2],
  [4, 'long', 1],
  [8, 'short', 1],
  [8, 'long', 1],
]

export function requestKinds(models: readonly string[]): RequestKind[] {
  return models.flatMap((model) =>
    WEIGHTS.map(([batch, length, weight]) => {
      const inputs = texts(batch, length)
      return {
        name: `${model} b${batch} ${length}`,
        model,
        batch,
        length,
        body: JSON.stringify({ inputs: batch === 1 ? inputs[0] : inputs }),
        weight,
      }
    }),
  )
}

/** The round-robin order: each kind repeated by its weight, interleaved across models and kinds. */
export function schedule(kinds: readonly RequestKind[]): RequestKind[] {
  const out: RequestKind[] = []
  const max = Math.max(...kinds.map((k) => k.weight))
  for (let round = 0; round < max; round++) for (const k of kinds) if (round < k.weight) out.push(k)
  return out
}
