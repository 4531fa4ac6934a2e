import { isAllowedListUrl } from '../../shared/config/from-env.js';
import type { ServiceConfig } from '../../shared/config/index.js';
import { LocalSettingError } from './errors.js';

/**
 * The local runtime's own landing page (a control route): the default `return_url` allow-list, so that a
 * newcomer can onboard an account in a browser with no web app of their own and see where it ended
 * (`{authorizer_appid, state}`).
 */
export const LANDING_PATH = '/__local/onboarded';

const RULE = 'https URLs (http only on loopback) with no user, password, query or fragment';

/** The return-URL allow-list given to the runtime, checked as the deployed setting is (`ONBOARDING_RETURN_URLS`). */
export function requireReturnUrls(urls: readonly string[] | undefined): void {
  for (const url of urls ?? [])
    if (!isAllowedListUrl(url))
      throw new LocalSettingError(`a return URL of the onboarding allow-list must be one of ${RULE}, got "${url}"`);
}

/** `ONBOARDING_RETURN_URLS` of `npm start`: comma-separated; empty or unset is the default. */
export function parseReturnUrls(raw: string | undefined, name: string): string[] | undefined {
  const urls = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (urls.length === 0) return undefined;
  for (const url of urls)
    if (!isAllowedListUrl(url)) throw new LocalSettingError(`${name} must be comma-separated ${RULE}, got "${url}"`);
  return urls;
}

/**
 * The onboarding's settings locally: the hub is the local API (its authorize page and WeChat's
 * `redirect_uri` on it), and WeChat's authorization pages are the simulator's, unless the runtime talks
 * to another WeChat (then WeChat's own pages, the deployed defaults).
 */
export function localOnboardingSettings(input: {
  apiUrl: string;
  simulatorUrl: string | undefined;
  returnUrls: readonly string[] | undefined;
}): Pick<ServiceConfig, 'onboardingBaseUrl' | 'onboardingReturnUrls'> &
  Partial<Pick<ServiceConfig, 'wechatPcAuthorizeBase' | 'wechatH5AuthorizeBase'>> {
  return {
    onboardingBaseUrl: input.apiUrl,
    onboardingReturnUrls: input.returnUrls ?? [`${input.apiUrl}${LANDING_PATH}`],
    ...(input.simulatorUrl === undefined
      ? {}
      : { wechatPcAuthorizeBase: input.simulatorUrl, wechatH5AuthorizeBase: input.simulatorUrl }),
  };
}
