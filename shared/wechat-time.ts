/**
 * WeChat's timestamps: a push's `CreateTime` and the callback query's `timestamp` are unix seconds,
 * written in decimal. The one rule for reading them and for how far from now they may lie.
 */

/**
 * How far a WeChat timestamp may lie from this machine's clock, either way. WeChat stamps a push when it
 * sends it and re-delivers a push it got no `success` for within seconds, so a genuine push is seconds
 * old; five minutes leaves room for clock skew (Lambda's clock is NTP-synchronized, WeChat's is not ours
 * to know) and is the span a captured push can be replayed in: the callback remembers pushes longer.
 */
export const MAX_WECHAT_CLOCK_SKEW_MS = 5 * 60_000;

/** Unix seconds as WeChat writes them: decimal digits only, no sign, no exponent, no hex, no spaces. */
const DECIMAL_SECONDS = /^[1-9][0-9]{0,11}$/;

/** The seconds `text` names, or `undefined` unless it is plain decimal seconds. */
export function parseUnixSeconds(text: string | undefined): number | undefined {
  return text !== undefined && DECIMAL_SECONDS.test(text) ? Number(text) : undefined;
}

/** Whether `seconds` lies within `MAX_WECHAT_CLOCK_SKEW_MS` of `nowMs`, before or after. */
export function isNearNow(seconds: number, nowMs: number): boolean {
  return Math.abs(seconds * 1000 - nowMs) <= MAX_WECHAT_CLOCK_SKEW_MS;
}
