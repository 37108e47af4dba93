/**
 * A Worker that uses edge-classify over RPC: `POST /` with a text answers
 * whether it is spam; `GET /models` lists what the classifier serves. A
 * failed call keeps its problem document, read back with `problemOf`.
 */
import { problemOf } from '../../../../src/rpc/problem.ts'

export default {
  async fetch(request, env): Promise<Response> {
    try {
      if (request.method === 'GET' && new URL(request.url).pathname === '/models') {
        const { models } = await env.CLASSIFIER.models()
        return Response.json(models.map((m) => m.id))
      }
      const text = await request.text()
      // One text in, its labels sorted by score out (a list of texts would give one list per text).
      const [best] = (await env.CLASSIFIER.classify(env.MODEL, text)).flat()
      return Response.json({ spam: best?.label === 'spam', score: best?.score ?? null })
    } catch (error) {
      const problem = problemOf(error)
      // The classifier's own problem (an empty text, an unknown model, a limit): pass it on as it is.
      if (problem !== undefined)
        return Response.json(problem, { status: problem.status, headers: { 'Content-Type': 'application/problem+json' } })
      throw error
    }
  },
} satisfies ExportedHandler<Env>
