import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** A JSON answer. Tokens are never cached by anything between us and the caller. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** Every error is `{"error": code, "message": text}`, and nothing else: no stack, no secret. */
export function failure(statusCode: number, error: string, message: string, retryAfterSeconds?: number): HttpResponse {
  return json(
    statusCode,
    { error, message },
    retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  );
}

/**
 * API Gateway's own answer to a path that is no route (`404 {"message":"Not Found"}`), word for word:
 * what a function answers for a request it does not serve as sent (a route key it does not know, a path
 * that is not its route's canonical one), so that such a request learns nothing API Gateway's routing
 * would not have told it. The local API server answers the same for a path that matches no route.
 */
export const NOT_FOUND_BODY = '{"message":"Not Found"}';

export function noSuchRoute(): HttpResponse {
  return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: NOT_FOUND_BODY };
}
