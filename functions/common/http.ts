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
