// OpenAPI: declares the problem+json answers a route can give.
import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from '../orders/order.dto';
import { PROBLEM_CONTENT_TYPE } from '@eventshop/service-kit';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed; `errors` lists the field paths',
  401: 'Missing, expired or otherwise invalid Bearer token',
  403: 'The token lacks what this operation needs',
  404: 'No such order (or not yours)',
  409: 'The order is not in a state that allows this',
  413: 'Body too large',
  415: 'Body is not application/json',
  422: 'Understood but refused (unknown or inactive SKU, reused Idempotency-Key, too many open orders)',
  429: 'Too many requests from this customer; retry after the Retry-After seconds',
};

export function ApiProblemResponses(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: {
          [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } },
        },
      }),
    ),
  );
}
