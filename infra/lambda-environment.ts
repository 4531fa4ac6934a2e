import { type Duration, Token } from 'aws-cdk-lib';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { isInRange, rangeText, SETTINGS, type WholeNumberSetting } from '../shared/config/index.js';
import { SERVICE_NAME } from '../shared/logger.js';
import type { WechatAuthorizerTokensProps } from './props.js';

/** The tunable props, each with the setting it is written to (and its range and default taken from). */
export const TUNABLES = {
  refreshConcurrency: SETTINGS.refreshConcurrency,
  syncPageConcurrency: SETTINGS.syncPageConcurrency,
  renewalMargin: SETTINGS.renewalMarginMs,
  componentTokenMargin: SETTINGS.componentTokenMarginMs,
  lease: SETTINGS.leaseMs,
} as const satisfies { readonly [Prop in keyof WechatAuthorizerTokensProps]?: WholeNumberSetting };

type Tunable = keyof typeof TUNABLES;

/** A tunable prop in the setting's unit (a count, or whole seconds), or the setting's default. */
function tunableValue(props: WechatAuthorizerTokensProps, prop: Tunable): number {
  const value: number | Duration | undefined = props[prop];
  if (value === undefined) return TUNABLES[prop].default;
  // Not integral: a fraction of a second is reported by propProblems rather than thrown here.
  return typeof value === 'number' ? value : value.toSeconds({ integral: false });
}

/**
 * The Lambdas' environment: what `configFromEnv` reads, named by the settings table, the props' values
 * or the table's defaults.
 */
export function lambdaEnvironment(
  props: WechatAuthorizerTokensProps,
  deployed: { tableName: string; secretArn: string },
): Record<string, string> {
  return {
    [SETTINGS.componentAppId.env]: props.componentAppId,
    [SETTINGS.tableName.env]: deployed.tableName,
    [SETTINGS.secretId.env]: deployed.secretArn,
    [SETTINGS.refreshConcurrency.env]: String(tunableValue(props, 'refreshConcurrency')),
    [SETTINGS.syncPageConcurrency.env]: String(tunableValue(props, 'syncPageConcurrency')),
    [SETTINGS.renewalMarginMs.env]: String(tunableValue(props, 'renewalMargin')),
    [SETTINGS.componentTokenMarginMs.env]: String(tunableValue(props, 'componentTokenMargin')),
    [SETTINGS.leaseMs.env]: String(tunableValue(props, 'lease')),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  };
}

/**
 * What is wrong with the props, by the same ranges `configFromEnv` checks at a Lambda's start: found at
 * synth, naming the prop, rather than by the first invocation. Tunables only known at deploy time (tokens)
 * are left to the Lambda; the component AppId never is.
 */
export function propProblems(props: WechatAuthorizerTokensProps): string[] {
  const problems: string[] = [];
  // It names the hub's SSM parameters (`/wechat-authorizer-tokens/<componentAppId>/…`), its dashboard and
  // its metrics' dimension, and is what other apps import the hub by: each is fixed at synth, so it must be
  // a literal appid as the rest of the product checks them, never a value known only at deploy time.
  if (Token.isUnresolved(props.componentAppId)) {
    problems.push(
      `componentAppId must be a literal appid, not a value resolved at deploy time (a CfnParameter, a reference): it names the hub's SSM parameters, its dashboard and its metrics' dimension, which are fixed at synth`,
    );
  } else if (props.componentAppId.trim() === '') {
    problems.push(`componentAppId is required (${SETTINGS.componentAppId.env})`);
  } else if (!isAppId(props.componentAppId)) {
    problems.push(
      `componentAppId ${JSON.stringify(props.componentAppId)} is not an appid (${APPID_RULE}); it names the hub's SSM parameters`,
    );
  }
  for (const prop of Object.keys(TUNABLES) as Tunable[]) {
    const given: number | Duration | undefined = props[prop];
    if (given === undefined || (typeof given === 'number' ? Token.isUnresolved(given) : given.isUnresolved())) continue;
    const setting = TUNABLES[prop];
    const value = tunableValue(props, prop);
    if (!isInRange(setting, value)) {
      const unit = setting.unit === 'seconds' ? ' seconds' : '';
      problems.push(`${prop} must be ${rangeText(setting)}${unit} (${setting.env}), got ${value}${unit}`);
    }
  }
  return problems;
}
