import type { TokenRejection } from './token-ledger.js';

/** A JSON body as WeChat answers it: a success body, or `{errcode, errmsg}`. */
export type Answer = Readonly<Record<string, unknown>>;
/** A JSON request body, as parsed: nothing in it is trusted to have the type WeChat's page says. */
export type Body = Readonly<Record<string, unknown>>;

export function fail(errcode: number, errmsg: string): Answer {
  return { errcode, errmsg };
}

/** What WeChat answers for a refused access token: 42001 when it expired, 40001 (invalid or not latest) otherwise. */
export function tokenRefused(rejection: TokenRejection): Answer {
  return rejection === 'expired'
    ? fail(42001, 'access_token expired')
    : fail(40001, 'invalid credential, access_token is invalid or not latest');
}

/** 47001: what WeChat answers for a field that is missing or of the wrong type. */
export function dataFormatError(field: string): Answer {
  return fail(47001, `data format error: ${field}`);
}

/** The field as a non-empty string; `undefined` when it is missing, empty or not a string. */
export function stringField(body: Body, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The field as an integer; `undefined` when it is missing or not an integer. */
export function integerField(body: Body, name: string): number | undefined {
  const value = body[name];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}
