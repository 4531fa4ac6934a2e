import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { createLogger, createMetrics } from './observability.js';
import { createTracer } from './tracing.js';

/** What one invocation is about, on each of its log lines and as annotations of its trace (no secret, no token). */
export type InvocationKeys = Readonly<Record<string, string | undefined>>;

/** A Lambda handler; the context is optional so that tests and direct callers can invoke it bare. */
export type LambdaHandler<E, R> = (event: E, context?: Context) => Promise<R>;

/** A function's logger, metrics and tracer, built once per container, and the wrapper of its handler. */
export interface FunctionObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** The handler, with every log line carrying the Lambda context, and its trace and metrics per invocation. */
  entry<E, R>(run: LambdaHandler<E, R>, keysOf?: (event: E) => InvocationKeys): LambdaHandler<E, R>;
}

export function observe(functionName: string): FunctionObservability {
  const { logger, powertools } = createLogger(functionName);
  const { metrics, publish } = createMetrics();
  const tracer = createTracer();
  return {
    logger,
    metrics,
    tracer,
    entry: (run, keysOf) => async (event, context) => {
      const keys = definedKeys(keysOf?.(event) ?? {});
      begin(powertools, context, keys);
      try {
        return await inHandlerSubsegment(tracer, keys, () => run(event, context));
      } finally {
        publish(context?.awsRequestId);
        // This invocation's keys (an appid, a route) must not reach the next one's lines.
        powertools.resetKeys();
      }
    },
  };
}

/** What Powertools' `injectLambdaContext` does before a handler (middy is not a dependency). */
function begin(powertools: PowertoolsLogger, context: Context | undefined, keys: Record<string, string>): void {
  powertools.refreshSampleRateCalculation();
  // function_request_id, cold_start, function_name, function_arn, function_memory_size, function_version.
  if (context) powertools.addContext(context);
  powertools.appendKeys(keys);
}

/**
 * The handler's subsegment, as Tracer's `captureLambdaHandler` opens it, but without its response as
 * metadata: the getter's response is a token. Errors are recorded (their messages never hold a secret).
 */
async function inHandlerSubsegment<R>(tracer: Tracer, keys: Record<string, string>, run: () => Promise<R>): Promise<R> {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!parent) return run();
  const subsegment = parent.addNewSubsegment(`## ${process.env['_HANDLER'] ?? 'handler'}`);
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  for (const [key, value] of Object.entries(keys)) tracer.putAnnotation(key, value);
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error) tracer.addErrorAsMetadata(error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}

function definedKeys(keys: InvocationKeys): Record<string, string> {
  return Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
