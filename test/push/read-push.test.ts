import { describe, expect, it } from 'vitest';
import { readPush } from '../../shared/push/index.js';

// The authorization pushes' PreAuthCode (shared/push/read-push.ts): read when there, optional otherwise.

describe('readPush: PreAuthCode', () => {
  const authorized = {
    AppId: 'wxcomponent',
    CreateTime: '1800000000',
    InfoType: 'authorized',
    AuthorizerAppid: 'wx1234567890abcdef',
    AuthorizationCode: 'queryauthcode@@@x',
  };

  it('is read, as Sensitive, from authorized and updateauthorized pushes', () => {
    for (const InfoType of ['authorized', 'updateauthorized']) {
      const push = readPush({ ...authorized, InfoType, PreAuthCode: 'preauthcode@@@secret' });
      expect(push).toMatchObject({ infoType: InfoType, appId: 'wx1234567890abcdef' });
      const preAuthCode = 'preAuthCode' in push ? push.preAuthCode : undefined;
      expect(preAuthCode?.reveal()).toBe('preauthcode@@@secret');
      expect(JSON.stringify(push)).not.toContain('secret');
    }
  });

  it('is optional: a push without one (or with an empty one) is read as before', () => {
    for (const fields of [authorized, { ...authorized, PreAuthCode: '' }]) {
      const push = readPush(fields);
      expect(push).toMatchObject({ infoType: 'authorized', appId: 'wx1234567890abcdef' });
      expect('preAuthCode' in push).toBe(false);
    }
  });
});
