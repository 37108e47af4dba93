/** OpenAPI fragments the routes share: the problem-document responses. */
import { ProblemSchema } from '../core/schema/problem.ts'

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
})

export const problemResponses = {
  400: problem('The body is not valid JSON.'),
  401: problem('An API key is configured and the request has none.'),
  403: problem('The API key is not valid.'),
  404: problem('No such model.'),
  413: problem('The body, the batch or an input is over a configured limit.'),
  422: problem('The request does not match the schema, or an input is too long with truncation off.'),
  503: problem('The model or storage is unavailable (missing or corrupt weights, storage error).'),
} as const
