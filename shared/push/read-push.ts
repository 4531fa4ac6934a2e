import { isAppId } from '../appid.js';
import { type Sensitive, sensitive } from '../sensitive.js';
import { parseUnixSeconds } from '../wechat-time.js';
import type { XmlFields } from './xml.js';

/** What an opened push asks of the component, its fields checked; `createTime` is WeChat's, unix seconds. */
export type ComponentPush =
  | { readonly infoType: 'component_verify_ticket'; readonly createTime: number; readonly ticket: Sensitive }
  | {
      readonly infoType: 'authorized' | 'updateauthorized';
      readonly createTime: number;
      readonly appId: string;
      readonly authorizationCode: Sensitive;
      /** The pre-auth code the authorization started from: it names the onboarding session, if any. */
      readonly preAuthCode?: Sensitive | undefined;
    }
  | { readonly infoType: 'unauthorized'; readonly createTime: number; readonly appId: string }
  /** Any other push: acknowledged and ignored. */
  | { readonly infoType: 'other'; readonly createTime: number; readonly named: string | undefined };

/** Why an opened push cannot be acted on: a field its type needs is missing or malformed. */
export interface PushProblem {
  readonly problem: string;
}

/**
 * Reads the fields of a decrypted push, checking what its `InfoType` needs (CreateTime for every one, in
 * decimal seconds as WeChat writes it: `0x10`, `1e9` or ` 5` are not a time). Whether the time is near
 * enough to now is the push handler's to judge.
 */
export function readPush(fields: XmlFields): ComponentPush | PushProblem {
  const createTime = parseUnixSeconds(fields['CreateTime']);
  if (createTime === undefined) return { problem: 'CreateTime is missing or not decimal seconds' };
  const infoType = fields['InfoType'];
  switch (infoType) {
    case 'component_verify_ticket': {
      const ticket = fields['ComponentVerifyTicket'];
      return ticket ? { infoType, createTime, ticket: sensitive(ticket) } : missing('ComponentVerifyTicket');
    }
    case 'authorized':
    case 'updateauthorized': {
      const appId = authorizerAppId(fields);
      if (typeof appId !== 'string') return appId;
      const code = fields['AuthorizationCode'];
      if (!code) return missing('AuthorizationCode');
      // Optional: an authorization begun elsewhere than through a link with a pre-auth code of ours still counts.
      const preAuthCode = fields['PreAuthCode'];
      return {
        infoType,
        createTime,
        appId,
        authorizationCode: sensitive(code),
        ...(preAuthCode ? { preAuthCode: sensitive(preAuthCode) } : {}),
      };
    }
    case 'unauthorized': {
      const appId = authorizerAppId(fields);
      return typeof appId === 'string' ? { infoType, createTime, appId } : appId;
    }
    default:
      return { infoType: 'other', createTime, named: infoType };
  }
}

function authorizerAppId(fields: XmlFields): string | PushProblem {
  const appId = fields['AuthorizerAppid'];
  if (!appId) return missing('AuthorizerAppid');
  return isAppId(appId) ? appId : { problem: 'AuthorizerAppid is not an appid' };
}

function missing(name: string): PushProblem {
  return { problem: `the push has no ${name}` };
}
