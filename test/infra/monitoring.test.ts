import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ALARM_IDS } from '../../infra/alarms.js';
import { addNagChecks } from '../../infra/checks.js';
import { type HubMonitoringOptions, hubMonitoring } from '../../infra/monitoring.js';
import { SERVICE_NAME } from '../../shared/logger.js';
import { METRICS_NAMESPACE } from '../../shared/metrics.js';

const ACCOUNT = '123456789012';
const REGION = 'ap-east-1';

/** The parts the hub gives its monitoring, faked: inline functions, a bare HTTP API and queue. */
function fakeParts(scope: Construct) {
  const fakes = new Construct(scope, 'Fakes');
  const fn = (id: string) =>
    new lambda.Function(fakes, id, {
      runtime: lambda.Runtime.NODEJS_LATEST,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  return {
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
  };
}

function monitoredStack(options: Partial<HubMonitoringOptions> = {}, app = new App()) {
  const stack = new Stack(app, 'Hubs', { env: { account: ACCOUNT, region: REGION } });
  const monitoring = hubMonitoring(new Construct(stack, 'Hub'), {
    componentAppId: 'wx0123456789abcdef',
    ...fakeParts(stack),
    ...options,
  });
  return { app, stack, monitoring };
}

const alarmSourceArn = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`]],
};
const thisAccountsAlarms = {
  StringEquals: { 'aws:SourceAccount': ACCOUNT },
  ArnLike: { 'aws:SourceArn': alarmSourceArn },
};

describe('the alarm topic', () => {
  it("lets CloudWatch publish, for this account's alarms only, and still refuses publishing without SSL", () => {
    const template = Template.fromStack(monitoredStack().stack);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          // (in the order the policy has them: CDK adds enforceSSL's Deny first)
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: thisAccountsAlarms,
          }),
        ]),
      },
    });
  });

  it('is encrypted with a rotated key of its own that CloudWatch may use for those alarms', () => {
    const template = Template.fromStack(monitoredStack().stack);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: thisAccountsAlarms,
          }),
        ]),
      },
    });
  });

  it('subscribes alarmEmail, with a dead-letter queue for the emails SNS could not deliver', () => {
    const template = Template.fromStack(monitoredStack({ alarmEmail: 'ops@example.com' }).stack);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('subscribes nothing without alarmEmail or alarmSubscriptions', () => {
    const template = Template.fromStack(monitoredStack().stack);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes every alarmSubscriptions entry', () => {
    const template = Template.fromStack(
      monitoredStack({
        alarmSubscriptions: [
          new subscriptions.UrlSubscription('https://chat.example.com/hook'),
          new subscriptions.SmsSubscription('+85200000000'),
        ],
      }).stack,
    );
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms' });
  });

  it('uses a given topic as it is: no topic, policy or key of its own', () => {
    const app = new App();
    const other = new Stack(app, 'Shared', { env: { account: ACCOUNT, region: REGION } });
    const given = sns.Topic.fromTopicArn(other, 'Given', `arn:aws:sns:${REGION}:${ACCOUNT}:ops`);
    const { stack, monitoring } = monitoredStack({ alarmTopic: given }, app);
    const template = Template.fromStack(stack);
    expect(monitoring.alarmTopic).toBe(given);
    for (const type of ['AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key']) template.resourceCountIs(type, 0);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [given.topicArn] });
  });
});

describe('the alarms and metrics', () => {
  it('returns every alarm by id (ALARM_IDS), each with the topic as its action', () => {
    const { stack, monitoring } = monitoredStack();
    expect(Object.keys(monitoring.alarms).sort()).toEqual([...ALARM_IDS].sort());
    const template = Template.fromStack(stack);
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(ALARM_IDS.length);
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of Object.values(alarms)) expect(alarm['Properties']['AlarmActions']).toEqual([{ Ref: topicId }]);
    for (const id of ALARM_IDS) expect(stack.resolve(monitoring.alarms[id].alarmArn)).toBeDefined();
  });

  it("gives the product's metrics: its namespace, the hub's dimensions, Sum for counters, Maximum for durations", () => {
    const { monitoring } = monitoredStack();
    const renewed = monitoring.metric('AuthorizerTokenRenewed');
    expect(renewed.namespace).toBe(METRICS_NAMESPACE);
    expect(renewed.metricName).toBe('AuthorizerTokenRenewed');
    expect(renewed.dimensions).toEqual({ service: SERVICE_NAME, componentAppId: 'wx0123456789abcdef' });
    expect(renewed.statistic).toBe('Sum');
    expect(monitoring.metric('TicketAge').statistic).toBe('Maximum');
    expect(monitoring.metric('SyncDuration', { statistic: 'p99' }).statistic).toBe('p99');
  });
});

describe('the dashboard', () => {
  it("graphs the product's metrics, the alarms, the API, the functions and the dead-letter queue", () => {
    const { stack, monitoring } = monitoredStack();
    expect(monitoring.dashboard).toBeDefined();
    const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.['Properties']['DashboardBody']);
    // CloudWatch's order: the dimensions by name, each followed by its value.
    expect(body).toContain(
      `\\"${METRICS_NAMESPACE}\\",\\"AuthorizerRenewalFailed\\",\\"componentAppId\\",\\"wx0123456789abcdef\\",\\"service\\"`,
    );
    for (const name of ['TicketAge', 'SyncCompleted', 'SyncDuration', 'ComponentTokenUnavailable']) {
      expect(body).toContain(`\\"${name}\\"`);
    }
    for (const awsMetric of ['5xx', '4xx', 'Latency', 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible']) {
      expect(body).toContain(awsMetric);
    }
    expect(body).toContain('"type\\":\\"alarm\\"');
  });

  it('is not created with dashboard: false', () => {
    const { stack, monitoring } = monitoredStack({ dashboard: false });
    expect(monitoring.dashboard).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

describe('two hubs in one stack', () => {
  it('synthesize side by side, with two topics, their alarms and two dashboards named apart', () => {
    const stack = new Stack(new App(), 'TwoHubs', { env: { account: ACCOUNT, region: REGION } });
    for (const [id, componentAppId] of [
      ['First', 'wx1111111111111111'],
      ['Second', 'wx2222222222222222'],
    ] as const) {
      hubMonitoring(new Construct(stack, id), { componentAppId, ...fakeParts(new Construct(stack, `${id}Parts`)) });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2 * ALARM_IDS.length);
    const names = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map(
      (dashboard) => dashboard['Properties']['DashboardName'],
    );
    expect(names.sort()).toEqual(['TwoHubs-wx1111111111111111', 'TwoHubs-wx2222222222222222']);
  });

  it("each reads only its own component's metrics: every product alarm and graph names its AppId", () => {
    const hubs = { First: 'wx1111111111111111', Second: 'wx2222222222222222' } as const;
    const stack = new Stack(new App(), 'TwoHubs', { env: { account: ACCOUNT, region: REGION } });
    for (const [id, componentAppId] of Object.entries(hubs)) {
      hubMonitoring(new Construct(stack, id), { componentAppId, ...fakeParts(new Construct(stack, `${id}Parts`)) });
    }
    const template = Template.fromStack(stack);
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm'));
    const dashboards = Object.entries(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const [id, componentAppId] of Object.entries(hubs)) {
      const own = alarms.filter(
        ([logicalId, alarm]) => logicalId.startsWith(id) && alarm['Properties']['Namespace'] === METRICS_NAMESPACE,
      );
      expect(own.map(([logicalId]) => logicalId.replace(/^\w+?Alarms/, '').slice(0, -8)).sort()).toEqual([
        'ComponentTokenUnavailable',
        'EventsDropped',
        'EventsNotPublished',
        'PushUndecryptable',
        'QuotaExhausted',
        'RefreshFailures',
        'RefreshTokenInvalid',
        'SyncNotCompleted',
        'TicketStale',
      ]);
      for (const [logicalId, alarm] of own)
        expect(alarm['Properties']['Dimensions'], logicalId).toEqual([
          { Name: 'componentAppId', Value: componentAppId },
          { Name: 'service', Value: SERVICE_NAME },
        ]);
      const [, dashboard] = dashboards.find(([logicalId]) => logicalId.startsWith(id)) ?? [];
      const body = JSON.stringify(dashboard?.['Properties']['DashboardBody']);
      const productGraphs = body.match(new RegExp(`\\\\"${METRICS_NAMESPACE}\\\\",\\\\"\\w+\\\\",[^\\]]*`, 'g')) ?? [];
      expect(productGraphs.length, id).toBeGreaterThan(20);
      for (const graph of productGraphs) expect(graph).toContain(`\\"componentAppId\\",\\"${componentAppId}\\"`);
    }
  });
});

describe('cdk-nag', () => {
  it("reports nothing unacknowledged on the monitoring's resources (the fakes' own findings aside)", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'monitoring-nag-'));
    try {
      const app = new App({ outdir });
      addNagChecks(app);
      monitoredStack({ alarmEmail: 'ops@example.com' }, app);
      // The bare fakes have findings of their own (managed policies, default memory…): the synth fails.
      expect(() => app.synth()).toThrow();
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
      };
      const findings = report.pluginReports.flatMap((plugin) =>
        plugin.violations.flatMap((violation) =>
          violation.violatingConstructs.map((construct) => `${violation.ruleName} ${construct.constructPath}`),
        ),
      );
      expect(
        findings.some((finding) => finding.includes('/Fakes/')),
        'the report is read',
      ).toBe(true);
      expect(findings.filter((finding) => finding.includes('Hubs/Hub/'))).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
