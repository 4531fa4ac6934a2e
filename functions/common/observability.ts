import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { type Logger as DomainLogger, SERVICE_NAME } from '../../shared/logger.js';
import { METRICS_NAMESPACE, type Metrics } from '../../shared/metrics.js';

/** The domain's view of the logger, and Powertools' own, which the Lambda entry gives each invocation's context. */
export interface FunctionLogger {
  readonly logger: DomainLogger;
  readonly powertools: Logger;
}

/** Powertools' structured JSON logger behind the domain's `Logger` interface. */
export function createLogger(functionName: string): FunctionLogger {
  const powertools = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function: functionName } });
  const forward =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, attributes?: Record<string, unknown>): void => {
      if (attributes) powertools[level](message, attributes);
      else powertools[level](message);
    };
  return {
    logger: { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') },
    powertools,
  };
}

/** The domain's counters, published as CloudWatch EMF through Powertools at the end of an invocation. */
export function createMetrics(): { metrics: Metrics; publish: (requestId?: string) => void } {
  // One dimension (service) for every function: an alarm watches one metric, whichever function emits it.
  const powertools = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  return {
    metrics: {
      count: (name, value = 1) => powertools.addMetric(name, MetricUnit.Count, value),
      duration: (name, milliseconds) => powertools.addMetric(name, MetricUnit.Milliseconds, milliseconds),
    },
    // Most getter requests count nothing (a stored token is served); publishing then would only log
    // Powertools' "no application metrics" warning on every request. The request id is metadata, not a
    // dimension: it ties the metrics line to the invocation's log lines without multiplying the metrics.
    publish: (requestId) => {
      if (!powertools.hasStoredMetrics()) return;
      if (requestId !== undefined) powertools.addMetadata('function_request_id', requestId);
      powertools.publishStoredMetrics();
    },
  };
}
