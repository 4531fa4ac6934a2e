import { type Duration, Token } from 'aws-cdk-lib';
import { APPID_RULE, isAppId } from '../shared/appid.js';
import { isAllowedListUrl } from '../shared/config/from-env.js';
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
  onboardingSessionDuration: SETTINGS.onboardingSessionMs,
  accountInfoRefresh: SETTINGS.accountInfoRefreshMs,
  accountInfoChecksPerRun: SETTINGS.accountInfoChecksPerRun,
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
    [SETTINGS.onboardingSessionMs.env]: String(tunableValue(props, 'onboardingSessionDuration')),
    [SETTINGS.accountInfoRefreshMs.env]: String(tunableValue(props, 'accountInfoRefresh')),
    [SETTINGS.accountInfoChecksPerRun.env]: String(tunableValue(props, 'accountInfoChecksPerRun')),
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
  problems.push(...returnUrlProblems(props.onboardingReturnUrls ?? []));
  return problems;
}

/**
 * Lambda's limit on a function's whole environment is 4 KB; the other variables take well under 1 KB, so
 * the allow-list may take this much of it (a deploy failing on the limit names no prop).
 */
export const RETURN_URLS_MAX_CHARS = 2_048;

/**
 * What is wrong with the return-URL allow-list, by the rule `configFromEnv` checks (`isAllowedListUrl`),
 * and what would not survive the comma-separated variable: an entry with a comma, a list too long.
 */
export function returnUrlProblems(urls: readonly string[]): string[] {
  const problems: string[] = [];
  const env = SETTINGS.onboardingReturnUrls.env;
  for (const [index, url] of urls.entries()) {
    if (Token.isUnresolved(url)) continue;
    // The entry is not repeated: a URL can carry a password, and the message is printed by the synth.
    if (url.includes(',') || !isAllowedListUrl(url.trim()))
      problems.push(
        `onboardingReturnUrls[${index}] must be an https URL (http only on loopback) with no user, password, query, fragment or comma (${env})`,
      );
  }
  const length = onboardingReturnUrlsValue(urls).length;
  if (!urls.some((url) => Token.isUnresolved(url)) && length > RETURN_URLS_MAX_CHARS)
    problems.push(`onboardingReturnUrls take ${length} characters, more than ${RETURN_URLS_MAX_CHARS} (${env})`);
  return problems;
}

/** The allow-list as the onboarding function reads it. */
export function onboardingReturnUrlsValue(urls: readonly string[]): string {
  return urls.map((url) => url.trim()).join(',');
}

/**
 * The onboarding function's own variables: the public base URL its links point to, and the allow-list.
 * (Only it builds links and checks return URLs; the other functions run without them.)
 */
export function onboardingEnvironment(
  props: Pick<WechatAuthorizerTokensProps, 'onboardingReturnUrls'>,
  baseUrl: string,
): Record<string, string> {
  return {
    [SETTINGS.onboardingBaseUrl.env]: baseUrl,
    [SETTINGS.onboardingReturnUrls.env]: onboardingReturnUrlsValue(props.onboardingReturnUrls ?? []),
  };
}
