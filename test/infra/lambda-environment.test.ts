import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { WechatAuthorizerTokens } from '../../infra/construct.js';
import { lambdaEnvironment, propProblems, TUNABLES } from '../../infra/lambda-environment.js';
import { configFromEnv, SETTINGS } from '../../shared/config/index.js';

const COMPONENT = 'wx0123456789abcdef';
const deployed = {
  tableName: 'tokens',
  secretArn: 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:component-AbCdEf',
};

describe("the Lambdas' environment, by the settings table", () => {
  it('holds the defaults configFromEnv would apply when the props give none', () => {
    const environment = lambdaEnvironment({ componentAppId: COMPONENT }, deployed);
    expect(environment).toMatchObject({
      [SETTINGS.refreshConcurrency.env]: String(SETTINGS.refreshConcurrency.default),
      [SETTINGS.syncPageConcurrency.env]: String(SETTINGS.syncPageConcurrency.default),
      [SETTINGS.renewalMarginMs.env]: '900',
      [SETTINGS.componentTokenMarginMs.env]: '600',
      [SETTINGS.leaseMs.env]: '30',
    });
    expect(configFromEnv(environment)).toEqual(
      configFromEnv({ COMPONENT_APPID: COMPONENT, TABLE_NAME: 'tokens', COMPONENT_SECRET_ARN: deployed.secretArn }),
    );
  });

  it("writes the props in the settings' units, which configFromEnv reads back", () => {
    const props = {
      componentAppId: COMPONENT,
      refreshConcurrency: 16,
      syncPageConcurrency: 2,
      renewalMargin: Duration.minutes(20),
      componentTokenMargin: Duration.minutes(5),
      lease: Duration.minutes(1),
    };
    expect(propProblems(props)).toEqual([]);
    expect(configFromEnv(lambdaEnvironment(props, deployed))).toMatchObject({
      componentAppId: COMPONENT,
      refreshConcurrency: 16,
      syncPageConcurrency: 2,
      renewalMarginMs: 1_200_000,
      componentTokenMarginMs: 300_000,
      leaseMs: 60_000,
    });
  });

  it('reports every prop out of range, naming the prop, its range and its variable', () => {
    expect(
      propProblems({
        componentAppId: '  ',
        refreshConcurrency: 0,
        lease: Duration.minutes(10),
        renewalMargin: Duration.millis(90_500),
      }),
    ).toEqual([
      'componentAppId is required (COMPONENT_APPID)',
      'refreshConcurrency must be a whole number from 1 to 64 (REFRESH_CONCURRENCY), got 0',
      'renewalMargin must be a whole number from 60 to 3600 seconds (RENEWAL_MARGIN_SECONDS), got 90.5 seconds',
      'lease must be a whole number from 20 to 120 seconds (LEASE_SECONDS), got 600 seconds',
    ]);
  });

  it('a prop out of range fails the synth', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new WechatAuthorizerTokens(new Stack(app, 'Bad'), 'Tokens', {
      componentAppId: COMPONENT,
      lease: Duration.seconds(5),
    });
    expect(() => app.synth()).toThrow(/lease must be a whole number from 20 to 120 seconds/);
  }, 60_000);
});

describe("the props' documentation", () => {
  const source = readFileSync(fileURLToPath(new URL('../../infra/props.ts', import.meta.url)), 'utf8');
  const documented = (prop: string): string | undefined =>
    new RegExp(`@default ([^\\n]+)\\n\\s*\\*/\\n\\s*readonly ${prop}\\?`).exec(source)?.[1]?.trim();

  it('gives every optional prop a @default', () => {
    const optional = [...source.matchAll(/readonly (\w+)\?:/g)].map((match) => match[1] ?? '');
    expect(optional.length).toBeGreaterThan(0);
    for (const prop of optional) expect(documented(prop), prop).toBeDefined();
  });

  it("states the settings table's default for each tunable", () => {
    const inUnits = (text: string): number => {
      const duration = /^Duration\.(seconds|minutes|hours|days)\((\d+)\)$/.exec(text);
      const seconds = { seconds: 1, minutes: 60, hours: 3_600, days: 86_400 } as const;
      return duration
        ? Number(duration[2]) * seconds[duration[1] as keyof typeof seconds]
        : Number(text.replace(/_/g, ''));
    };
    for (const [prop, setting] of Object.entries(TUNABLES))
      expect(inUnits(documented(prop) ?? ''), prop).toBe(setting.default);
  });
});
