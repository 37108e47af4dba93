import { classifyEncodings, defaultActivation } from '../../src/core/inference/classifier.ts'
import type { SmokeCase } from '../../src/core/schema/manifest.ts'
import type { EncodeInput } from '../../src/core/tokenizers/types.ts'
import { type Tokenizer } from '../../src/core/tokenizers/tokenizer.ts'
import { openWebSession } from '../ort/web.ts'
import { DEFAULT_TEXTS } from '../verify/texts.ts'
import type { PreparedModel } from './prepare.ts'

/** How many golden inputs a version carries. */
const SMOKE_CASES = 4

/**
 * Golden inputs stored with a version: the label onnxruntime-web (the
 * Worker's build, in Node) gives each now, and for a one-label model (whose
 * one label always wins) its score. Before activating the version, the
 * Worker runs them again under onnxruntime-web and must get the same labels;
 * inputs whose top two scores are closest are skipped, so that a different
 * CPU's rounding cannot flip a case.
 */
export async function pickSmokeCases(
  model: PreparedModel,
  tokenizer: Tokenizer,
  candidates: readonly EncodeInput[] = DEFAULT_TEXTS,
): Promise<SmokeCase[]> {
  const session = await openWebSession(model.served)
  try {
    const encodings = candidates.map((input) => tokenizer.encode(input, { max_length: model.max_length, truncation: true }))
    const scored = await Promise.all(
      encodings.map((encoding) =>
        classifyEncodings(
          session,
          [encoding],
          { pad_id: tokenizer.pad_id, id2label: model.id2label },
          {
            activation: defaultActivation(model.problem_type),
            top_k: 2,
          },
        ),
      ),
    )
    const oneLabel = Object.keys(model.id2label).length === 1
    const margins = scored.map((rows, i) => {
      const [first, second] = rows[0] ?? []
      // One label is always on top: what a case checks is its score, best far from the 0.5 decision.
      const margin = oneLabel ? Math.abs((first?.score ?? 0.5) - 0.5) : (first?.score ?? 0) - (second?.score ?? 0)
      return { i, label: first?.label ?? '', score: first?.score ?? 0, margin }
    })
    // Prefer one case per label, then the widest margins.
    margins.sort((a, b) => b.margin - a.margin)
    const picked = new Map<number, string>()
    for (const m of margins) if (![...picked.values()].includes(m.label)) picked.set(m.i, m.label)
    for (const m of margins) if (picked.size < SMOKE_CASES && !picked.has(m.i)) picked.set(m.i, m.label)
    return [...picked.entries()].slice(0, SMOKE_CASES).map(([i, label]): SmokeCase => {
      const input = candidates[i] ?? { text: '' }
      const score = oneLabel ? { score: margins.find((m) => m.i === i)?.score ?? 0 } : {}
      return { text: input.text, ...(input.text_pair === undefined ? {} : { text_pair: input.text_pair }), label, ...score }
    })
  } finally {
    await session.release()
  }
}
