import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../functions/common/observability.js';
import { hubMonitoring } from '../../infra/monitoring.js';
import { SETTINGS } from '../../shared/config/settings.js';
import { METRICS_NAMESPACE } from '../../shared/metrics.js';
import { jsonLinesOf } from '../functions/observability-harness.js';

const COMPONENT_APPID = 'wx5555555555555555';

/**
 * The two sides of a metric, side by side: what a function prints (EMF, with the hub's environment) and
 * what the hub's alarms and dashboard read. CloudWatch matches a metric by its exact dimension set, so an
 * alarm with one dimension more or less than the functions publish watches a metric nobody writes.
 */
describe('the metric dimensions the functions publish and the alarms read', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** The dimensions (name → value) of the EMF line a function prints for one counter and one duration. */
  async function publishedDimensions(): Promise<Record<string, unknown>> {
    vi.stubEnv(SETTINGS.componentAppId.env, COMPONENT_APPID);
    const { metrics, publish } = createMetrics();
    const lines = await jsonLinesOf(async () => {
      metrics.count('AuthorizerRenewalFailed');
      metrics.duration('TicketAge', 1_000);
      publish('request-1');
    });
    const emf = lines.filter((line) => '_aws' in line);
    expect(emf).toHaveLength(1);
    const [line = {}] = emf;
    const aws = line['_aws'] as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
    expect(aws.CloudWatchMetrics.map((directive) => directive.Namespace)).toEqual([METRICS_NAMESPACE]);
    const sets = aws.CloudWatchMetrics.flatMap((directive) => directive.Dimensions);
    expect(sets).toHaveLength(1);
    return Object.fromEntries((sets[0] ?? []).map((name) => [name, line[name]]));
  }

  function monitoredHub() {
    const stack = new Stack(new App(), 'Hub', { env: { account: '123456789012', region: 'ap-east-1' } });
    const fakes = new Construct(stack, 'Fakes');
    const fn = (id: string) =>
      new lambda.Function(fakes, id, {
        runtime: lambda.Runtime.NODEJS_LATEST,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      });
    const monitoring = hubMonitoring(new Construct(stack, 'Monitoring'), {
      componentAppId: COMPONENT_APPID,
      api: new apigw.HttpApi(fakes, 'Api'),
      functions: {
        sync: fn('sync'),
        refresh: fn('refresh'),
        getter: fn('getter'),
        callback: fn('callback'),
        onboarding: fn('onboarding'),
        events: fn('events'),
      },
      deadLetterQueue: new sqs.Queue(fakes, 'FailedRuns'),
    });
    return { stack, monitoring };
  }

  it("every alarm on the product's metrics has exactly the dimensions (and values) a function prints", async () => {
    const published = await publishedDimensions();
    expect(Object.keys(published).length).toBeGreaterThan(1);
    const { stack } = monitoredHub();
    const productAlarms = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).filter(
      ([, alarm]) => alarm['Properties']['Namespace'] === METRICS_NAMESPACE,
    );
    expect(productAlarms.length).toBeGreaterThan(0);
    for (const [logicalId, alarm] of productAlarms) {
      const dimensions = alarm['Properties']['Dimensions'] as { Name: string; Value: unknown }[];
      expect(Object.fromEntries(dimensions.map(({ Name, Value }) => [Name, Value])), logicalId).toEqual(published);
    }
  });

  it("the hub's metric() (what the dashboard graphs) has the same dimensions", async () => {
    const published = await publishedDimensions();
    const { monitoring } = monitoredHub();
    expect(monitoring.metric('AuthorizerRenewalFailed').dimensions).toEqual(published);
    expect(monitoring.metric('TicketAge').dimensions).toEqual(published);
  });
});
