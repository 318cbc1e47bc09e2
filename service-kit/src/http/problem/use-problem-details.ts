// Installs problem+json for every error of a Fastify app: the exception filter for what Nest
// sees, and an onRequest hook that refuses non-JSON bodies with 415 before any parser runs
// (Fastify and Nest would otherwise parse text and form bodies too).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem-details';
import { ProblemDetailsFilter } from './problem-details.filter';

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

export interface ProblemDetailsOptions {
  /** Refuse request bodies that are not application/json with 415 (default true). */
  readonly jsonBodiesOnly?: boolean;
}

/** Call from `configure` (before `init`); bad JSON and too-large bodies reach the filter. */
export function useProblemDetails(
  app: NestFastifyApplication,
  options: ProblemDetailsOptions = {},
): void {
  app.useGlobalFilters(new ProblemDetailsFilter());
  if (options.jsonBodiesOnly === false) return;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      const hasBody =
        request.headers['transfer-encoding'] !== undefined ||
        Number(request.headers['content-length'] ?? 0) > 0;
      const type = request.headers['content-type'];
      if (hasBody && type !== undefined && !JSON_MEDIA_TYPE.test(type)) {
        return reply
          .code(415)
          .type(PROBLEM_CONTENT_TYPE)
          .send({
            type: problemType('unsupported-media-type'),
            title: 'Unsupported Media Type',
            status: 415,
            detail: 'request bodies must be application/json',
            instance: request.url.split('?')[0],
          });
      }
    });
}
