import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { type Logger as DomainLogger, SERVICE_NAME } from '../../shared/logger.js';
import { METRICS_NAMESPACE, type Metrics } from '../../shared/metrics.js';

/** Powertools' structured JSON logger behind the domain's `Logger` interface. */
export function createLogger(functionName: string): DomainLogger {
  const powertools = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function: functionName } });
  const forward =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, attributes?: Record<string, unknown>): void => {
      if (attributes) powertools[level](message, attributes);
      else powertools[level](message);
    };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}

/** The domain's counters, published as CloudWatch EMF through Powertools at the end of an invocation. */
export function createMetrics(): { metrics: Metrics; publish: () => void } {
  // One dimension (service) for every function: an alarm watches one metric, whichever function emits it.
  const powertools = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  return {
    metrics: {
      count: (name, value = 1) => powertools.addMetric(name, MetricUnit.Count, value),
      duration: (name, milliseconds) => powertools.addMetric(name, MetricUnit.Milliseconds, milliseconds),
    },
    // Most getter requests count nothing (a stored token is served); publishing then would only log
    // Powertools' "no application metrics" warning on every request.
    publish: () => {
      if (powertools.hasStoredMetrics()) powertools.publishStoredMetrics();
    },
  };
}
