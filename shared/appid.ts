/**
 * What an appid looks like (an authorizer's or the component's): WeChat's are `wx` and 16 hex digits, but
 * the hub accepts anything of this shape so that test and simulator appids work too. The one place the
 * rule is written: the getter's paths, the pushes, the refresh events, the client and the listing cursor
 * all check it here.
 */
export const APPID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What a caller is told when an appid is refused. */
export const APPID_RULE = 'an appid is 1 to 64 letters, digits, _ or -';

export function isAppId(value: string): boolean {
  return APPID_PATTERN.test(value);
}
