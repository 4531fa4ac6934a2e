import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from '../../shared/logger.js';

/**
 * Powertools' Tracer for X-Ray (the functions have active tracing). It is on only inside Lambda
 * (`AWS_EXECUTION_ENV` set) unless `POWERTOOLS_TRACE_ENABLED=false`; elsewhere (tests, the local runtime)
 * every call is a no-op and the clients are handed back unwrapped. With HTTPS capture on (its default),
 * `fetch` (undici) requests become subsegments named for the host, recording the URL without its query:
 * the `access_token` WeChat's API takes in the query never reaches X-Ray.
 */
export function createTracer(): Tracer {
  return new Tracer({ serviceName: SERVICE_NAME });
}
