import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { SETTINGS } from '../../shared/config/settings.js';
import { type Logger as DomainLogger, SERVICE_NAME } from '../../shared/logger.js';
import { METRICS_NAMESPACE, type Metrics, metricDimensions } from '../../shared/metrics.js';

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

/**
 * The domain's counters, published as CloudWatch EMF through Powertools at the end of an invocation, with
 * the hub's dimensions (`metricDimensions`): the service and the component's AppId, read from the setting
 * the Lambda's environment carries (`COMPONENT_APPID`) unless given.
 */
export function createMetrics(componentAppId: string | undefined = process.env[SETTINGS.componentAppId.env]): {
  metrics: Metrics;
  publish: (requestId?: string) => void;
} {
  // The same dimensions for every function of a hub: an alarm watches one metric, whichever function
  // emits it, and only its own hub's. Powertools adds `service` from serviceName; the rest are defaults.
  // Without the AppId (a function that cannot read its config either) the dimension is left out rather
  // than published empty, which Powertools would refuse with a warning on every start.
  const { service, ...hub } = metricDimensions(componentAppId ?? '');
  const powertools = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: service });
  if (componentAppId) powertools.setDefaultDimensions(hub);
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
