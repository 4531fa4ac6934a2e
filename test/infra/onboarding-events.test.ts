// Issue 15's infrastructure, as the template says it: the onboarding function and its routes, the custom
// domain, the return-URL allow-list and the new tunables checked at synth, the table's stream and the
// events function's event source mapping, the lifecycle bus and addEventRule; cdk-nag clean with all of it.
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { EventRuleError } from '../../infra/errors.js';
import { hubEventPattern, WechatAuthorizerTokens, type WechatAuthorizerTokensProps } from '../../infra/index.js';
import { ROUTE_KEYS, ROUTES } from '../../shared/api/routes.js';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/events/catalogue.js';

const COMPONENT = 'wx0123456789abcdef';
const env = { account: '123456789012', region: 'ap-east-1' };
const CERTIFICATE = 'arn:aws:acm:ap-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown> & { Environment?: { Variables: Record<string, unknown> } };
}

function hubStack(props: Partial<WechatAuthorizerTokensProps> = {}, extend?: (hub: WechatAuthorizerTokens) => void) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Hub', { env });
  const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE);
  const { domain, ...rest } = props;
  const hub = new WechatAuthorizerTokens(stack, 'Tokens', {
    componentAppId: COMPONENT,
    ...rest,
    ...(domain ? { domain: { ...domain, certificate } } : {}),
  });
  extend?.(hub);
  return { app, stack, hub };
}

const resources = (stack: Stack) =>
  Object.entries((Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources);
const ofType = (stack: Stack, type: string) => resources(stack).filter(([, resource]) => resource.Type === type);
const functionNamed = (stack: Stack, name: string): Resource => {
  const found = ofType(stack, 'AWS::Lambda::Function').find(([id]) => id.startsWith(`Tokens${name}Function`));
  if (!found) throw new Error(`no ${name} function`);
  return found[1];
};
const variables = (stack: Stack, name: string) => functionNamed(stack, name).Properties.Environment?.Variables ?? {};
const someCertificate = { domainName: 'wechat.example.com' } as NonNullable<WechatAuthorizerTokensProps['domain']>;

describe('the onboarding routes and their function', () => {
  it('deploys every route of ROUTES on the function of its handler, IAM or none as ROUTES says', () => {
    const { stack } = hubStack();
    const integrations = new Map(
      ofType(stack, 'AWS::ApiGatewayV2::Integration').map(([id, resource]) => [
        id,
        JSON.stringify(resource.Properties['IntegrationUri']),
      ]),
    );
    const routes = ofType(stack, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    expect(routes.map((route) => route['RouteKey']).sort()).toEqual(Object.values(ROUTE_KEYS).sort());
    for (const route of Object.values(ROUTES)) {
      const deployed = routes.find((candidate) => candidate['RouteKey'] === `${route.method} ${route.path}`);
      expect(deployed?.['AuthorizationType'] ?? 'NONE', route.path).toBe(route.auth === 'iam' ? 'AWS_IAM' : 'NONE');
      // `integrations/<id>`: the Integration's logical id, whose URI names the function.
      if (!deployed) throw new Error(`${route.path} not deployed`);
      const [, [, reference] = []] = (deployed['Target'] as { 'Fn::Join': [string, [string, { Ref: string }]] })[
        'Fn::Join'
      ];
      const uri = integrations.get(reference?.Ref ?? '') ?? '';
      expect(uri, route.path).toContain(`Tokens${route.handler}Function`);
    }
  });

  it('gives the onboarding function its base URL, the allow-list and the session length; the others none of them', () => {
    const { stack } = hubStack({
      domain: someCertificate,
      onboardingReturnUrls: ['https://platform.example.com/onboarded', 'https://admin.example.com/'],
      onboardingSessionDuration: Duration.minutes(30),
    });
    expect(variables(stack, 'onboarding')).toMatchObject({
      ONBOARDING_BASE_URL: 'https://wechat.example.com',
      ONBOARDING_RETURN_URLS: 'https://platform.example.com/onboarded,https://admin.example.com/',
      ONBOARDING_SESSION_SECONDS: '1800',
    });
    for (const name of ['sync', 'refresh', 'getter', 'callback', 'events']) {
      expect(variables(stack, name), name).not.toHaveProperty('ONBOARDING_BASE_URL');
      expect(variables(stack, name), name).not.toHaveProperty('ONBOARDING_RETURN_URLS');
    }
  });

  it('writes the account-information tunables to the functions, by the settings table', () => {
    const { stack } = hubStack({ accountInfoRefresh: Duration.hours(6), accountInfoChecksPerRun: 200 });
    expect(variables(stack, 'sync')).toMatchObject({
      ACCOUNT_INFO_REFRESH_SECONDS: '21600',
      ACCOUNT_INFO_CHECKS_PER_RUN: '200',
    });
  });

  it.each([
    [
      'an http return URL off loopback',
      { onboardingReturnUrls: ['http://platform.example.com/'] },
      /onboardingReturnUrls\[0\]/,
    ],
    [
      'a return URL with a query',
      { onboardingReturnUrls: ['https://a.example.com/', 'https://b.example.com/?x=1'] },
      /onboardingReturnUrls\[1\]/,
    ],
    ['a return URL with a comma', { onboardingReturnUrls: ['https://a.example.com/a,b'] }, /onboardingReturnUrls\[0\]/],
    [
      'a return URL with a password',
      { onboardingReturnUrls: ['https://u:p@a.example.com/'] },
      /onboardingReturnUrls\[0\]/,
    ],
    [
      'a session of 1 minute',
      { onboardingSessionDuration: Duration.minutes(1) },
      /onboardingSessionDuration must be a whole number from 300 to 86400/,
    ],
    [
      'an account-info period of 10 minutes',
      { accountInfoRefresh: Duration.minutes(10) },
      /accountInfoRefresh must be/,
    ],
    ['a negative checks per run', { accountInfoChecksPerRun: -1 }, /accountInfoChecksPerRun must be/],
    ['a domain with a scheme', { domain: { domainName: 'https://wechat.example.com' } }, /domain\.domainName/],
  ] as const)('refuses %s at synth, naming the prop', (_, props, message) => {
    const { app } = hubStack(props as Partial<WechatAuthorizerTokensProps>);
    expect(() => app.synth()).toThrow(message);
  });

  it('does not repeat a refused return URL (it may carry a password)', () => {
    const { app } = hubStack({ onboardingReturnUrls: ['https://user:hunter2@a.example.com/'] });
    expect(() => app.synth()).toThrow(/^(?![\s\S]*hunter2)/);
  });
});

describe('the custom domain', () => {
  it('maps the $default stage at the root of an API Gateway domain name with the certificate, TLS 1.2, and outputs its target', () => {
    const { stack } = hubStack({ domain: someCertificate });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'wechat.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: CERTIFICATE, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }),
      ],
    });
    const [[, mapping] = ['', undefined]] = ofType(stack, 'AWS::ApiGatewayV2::ApiMapping');
    const [[stageId] = ['']] = ofType(stack, 'AWS::ApiGatewayV2::Stage');
    const [[apiId] = ['']] = ofType(stack, 'AWS::ApiGatewayV2::Api');
    // The stage by its name, `$default`: the mapping waits for it (else CloudFormation may map it first).
    expect(mapping?.Properties).toMatchObject({ Stage: '$default', ApiId: { Ref: apiId } });
    expect((mapping as { DependsOn?: string[] } | undefined)?.DependsOn).toContain(stageId);
    expect(mapping?.Properties['ApiMappingKey']).toBeUndefined();
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    const target = Object.entries(outputs).find(([id]) => id.startsWith('TokensApiDomainTarget'));
    expect(JSON.stringify(target?.[1].Value)).toContain('RegionalDomainName');
    const base = Object.entries(outputs).find(([id]) => id.startsWith('TokensOnboardingBaseUrl'));
    expect(base?.[1].Value).toBe('https://wechat.example.com');
  });

  it("without a domain: the API's URL as the base, and a synth warning that WeChat refuses it", () => {
    const { stack } = hubStack();
    expect(JSON.stringify(variables(stack, 'onboarding')['ONBOARDING_BASE_URL'])).toContain('execute-api');
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('授权发起页域名'));
    expect(ofType(stack, 'AWS::ApiGatewayV2::DomainName')).toHaveLength(0);
  });

  it('with a domain: no such warning', () => {
    const { stack } = hubStack({ domain: someCertificate });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('授权发起页域名'));
  });
});

describe("the lifecycle events: the table's stream, the events function, the bus", () => {
  it('streams NEW_AND_OLD_IMAGES', () => {
    const { stack } = hubStack();
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('reads the stream from TRIM_HORIZON, one batch per shard, bisecting, reporting partial failures, retried until 24 h old (no count), failures to FailedRuns, authorizer and session items only', () => {
    const { stack } = hubStack();
    const mappings = ofType(stack, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [[, mapping] = ['', undefined]] = mappings;
    const [[queueId] = ['']] = ofType(stack, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('TokensFailedRuns'));
    expect(mapping?.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      FunctionName: { Ref: expect.stringMatching(/^TokenseventsFunction/) },
    });
    if (!mapping) throw new Error('no mapping');
    const filters = (mapping.Properties['FilterCriteria'] as { Filters: { Pattern: string }[] }).Filters.map(
      ({ Pattern }) => JSON.parse(Pattern),
    );
    expect(filters).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: 'AUTHORIZER#' }] } } } },
      { dynamodb: { Keys: { pk: { S: [{ prefix: 'ONBOARDING#' }] } } } },
    ]);
  });

  it('creates a bus by default and gives its ARN to the events function only', () => {
    const { stack, hub } = hubStack();
    const buses = ofType(stack, 'AWS::Events::EventBus');
    expect(buses).toHaveLength(1);
    expect(variables(stack, 'events')['EVENT_BUS_NAME']).toEqual({ 'Fn::GetAtt': [buses[0]?.[0], 'Arn'] });
    for (const name of ['sync', 'refresh', 'getter', 'callback', 'onboarding'])
      expect(variables(stack, name), name).not.toHaveProperty('EVENT_BUS_NAME');
    expect(hub.eventBus).toBeDefined();
  });

  it('uses a given bus, creating none', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Hub', { env });
    const eventBus = events.EventBus.fromEventBusName(stack, 'Shared', 'platform-events');
    const hub = new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: COMPONENT, eventBus });
    expect(hub.eventBus).toBe(eventBus);
    expect(ofType(stack, 'AWS::Events::EventBus')).toHaveLength(0);
    expect(variables(stack, 'events')['EVENT_BUS_NAME']).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:ap-east-1:123456789012:event-bus/platform-events']],
    });
  });

  it("a given bus of another account: the events function publishes to its ARN (a bare name would be this account's bus)", () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Hub', { env });
    const central = 'arn:aws:events:ap-east-1:999999999999:event-bus/central';
    const eventBus = events.EventBus.fromEventBusArn(stack, 'Central', central);
    new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: COMPONENT, eventBus });
    expect(variables(stack, 'events')['EVENT_BUS_NAME']).toBe(central);
    // PutEvents on that bus, and only it.
    const policies = ofType(stack, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('TokenseventsRole'));
    expect(JSON.stringify(policies.map(([, policy]) => policy.Properties['PolicyDocument']))).toContain(
      `"Action":"events:PutEvents","Effect":"Allow","Resource":"${central}"`,
    );
  });

  it("addEventRule on a bus of another account or Region: refused at synth, naming the bus (a rule belongs to its bus's account)", () => {
    for (const [id, arn] of [
      ['OtherAccount', 'arn:aws:events:ap-east-1:999999999999:event-bus/central'],
      ['OtherRegion', 'arn:aws:events:eu-west-1:123456789012:event-bus/central'],
    ] as const) {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Hub', { env });
      const eventBus = events.EventBus.fromEventBusArn(stack, id, arn);
      const hub = new WechatAuthorizerTokens(stack, 'Tokens', { componentAppId: COMPONENT, eventBus });
      expect(() => hub.addEventRule('Revocations', { targets: [] }), id).toThrow(EventRuleError);
      expect(() => hub.addEventRule('Revocations2', { targets: [] }), id).toThrow(
        /create the rule in a stack of the bus/,
      );
    }
    // What to create in the bus's own account instead: the package exports the pattern.
    expect(hubEventPattern(COMPONENT, [DETAIL_TYPES.revoked])).toEqual({
      source: [EVENT_SOURCE],
      detail: { componentAppId: [COMPONENT] },
      detailType: ['Authorizer Revoked'],
    });
    // The same account and Region: a rule on it.
    const { stack } = hubStack({}, (hub) => hub.addEventRule('Mine', { targets: [] }));
    expect(ofType(stack, 'AWS::Events::Rule').filter(([id]) => id.startsWith('TokensMine'))).toHaveLength(1);
  });

  it("addEventRule: this hub's source and component AppId, the detail-types asked for, on the hub's bus", () => {
    const { stack, hub } = hubStack({}, (created) => {
      const queue = new sqs.Queue(created, 'Consumer', { enforceSSL: true });
      created.addEventRule('Revocations', {
        detailTypes: [DETAIL_TYPES.revoked, DETAIL_TYPES.refreshTokenRefused],
        targets: [new targets.SqsQueue(queue)],
        description: 'Accounts that left',
      });
      created.addEventRule('Everything', { targets: [new targets.SqsQueue(queue)] });
    });
    const rules = ofType(stack, 'AWS::Events::Rule').filter(([, rule]) => rule.Properties['EventPattern']);
    const [busId] = ofType(stack, 'AWS::Events::EventBus')[0] ?? [''];
    const byId = Object.fromEntries(rules.map(([id, rule]) => [id.replace(/[0-9A-F]{8}$/, ''), rule.Properties]));
    expect(byId['TokensRevocations']).toMatchObject({
      EventBusName: { Ref: busId },
      Description: 'Accounts that left',
      EventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': ['Authorizer Revoked', 'Authorizer Refresh Token Refused'],
        detail: { componentAppId: [COMPONENT] },
      },
    });
    expect(byId['TokensEverything']?.['EventPattern']).toEqual({
      source: [EVENT_SOURCE],
      detail: { componentAppId: [COMPONENT] },
    });
    expect(hub.eventBus).toBeDefined();
  });

  it('addEventRule refuses a detail-type the hub never publishes, and an empty list', () => {
    const { hub } = hubStack();
    expect(() => hub.addEventRule('Typo', { detailTypes: ['Authoriser Revoked'], targets: [] })).toThrow(
      EventRuleError,
    );
    expect(() => hub.addEventRule('None', { detailTypes: [], targets: [] })).toThrow(EventRuleError);
  });
});

describe('cdk-nag (AwsSolutions and Serverless) on a hub with a domain, a rule and the new functions', () => {
  it('finds nothing unacknowledged', () => {
    const app = new App();
    const stack = new Stack(app, 'Hub', { env });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE);
    const hub = new WechatAuthorizerTokens(stack, 'Tokens', {
      componentAppId: COMPONENT,
      domain: { domainName: 'wechat.example.com', certificate },
      onboardingReturnUrls: ['https://platform.example.com/'],
    });
    const queue = new sqs.Queue(stack, 'Consumer', { enforceSSL: true });
    const deadLetterQueue = new sqs.Queue(stack, 'ConsumerDlq', { enforceSSL: true });
    for (const made of [queue, deadLetterQueue])
      for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'])
        Validations.of(made).acknowledge({ id, reason: "The test's consumer queues." });
    // The rule's target is the consumer's: cdk-nag asks it for a dead-letter queue (Serverless-EventBusDLQ).
    hub.addEventRule('Revocations', {
      detailTypes: [DETAIL_TYPES.revoked],
      targets: [new targets.SqsQueue(queue, { deadLetterQueue })],
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
