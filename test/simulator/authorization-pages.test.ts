import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizationRefusedError, type WechatSimulator } from '../../simulator/index.js';
import { startCallbackReceiver } from '../support/callback-receiver.js';
import { componentCrypto } from '../support/simulated-wechat.js';
import { mintPreAuthCode, openPage, pcLink, submit } from './authorization-page-driver.js';
import { useSimulators } from './started.js';

// The authorization pages over HTTP, as a browser (and the local runtime's end-to-end tests) use them.
const simulatorWith = useSimulators();
const receivers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function withReceiver(options: Parameters<typeof simulatorWith>[0] = {}) {
  const receiver = await startCallbackReceiver(componentCrypto());
  receivers.push(receiver);
  const simulator = await simulatorWith({ authorizers: 4, callbackUrl: receiver.url, ...options });
  return { simulator, receiver };
}

const REDIRECT = 'https://hub.example.com/authorize/callback?session=abc%2Fdef&x=1';

function newAccountForm(page: Awaited<ReturnType<typeof openPage>>, kind: string) {
  const form = page.forms.find((f) => f.data['new'] === kind);
  if (!form) throw new Error(`no new ${kind} form on the page`);
  return form;
}

describe('confirming on the PC page', () => {
  it('redirects to redirect_uri with auth_code and expires_in (its query kept), and pushes the same code with PreAuthCode', async () => {
    const { simulator, receiver } = await withReceiver();
    const preAuthCode = await mintPreAuthCode(simulator);
    const page = await openPage(pcLink(simulator, { preAuthCode, redirectUri: REDIRECT }));
    expect(page.status).toBe(200);
    expect(page.error).toBeUndefined();
    const confirmed = await submit(simulator, newAccountForm(page, 'official_account').fields);
    expect(confirmed.status).toBe(302);
    const location = confirmed.location ?? '';
    expect(location.startsWith(`${REDIRECT}&auth_code=`)).toBe(true);
    const authCode = new URL(location).searchParams.get('auth_code');
    expect(new URL(location).searchParams.get('expires_in')).toBe('3600');
    expect(new URL(location).searchParams.get('session')).toBe('abc/def');

    expect(receiver.received).toHaveLength(1);
    const fields = receiver.received[0]?.fields ?? {};
    expect(fields).toMatchObject({ InfoType: 'authorized', AuthorizationCode: authCode, PreAuthCode: preAuthCode });
    expect(Number(fields['AuthorizationCodeExpiredTime'])).toBe(Math.floor(simulator.clock.now() / 1000) + 3600);
    const appId = fields['AuthorizerAppid'] ?? '';
    expect(simulator.world.population.get(appId)).toMatchObject({ authorized: true, kind: 'official_account' });
  });

  it('appends with ? to a redirect_uri without a query', async () => {
    const { simulator } = await withReceiver();
    const preAuthCode = await mintPreAuthCode(simulator);
    const confirmed = await simulator.confirmAuthorization({ preAuthCode, redirectUri: 'https://a.example/cb' });
    expect(confirmed.location).toMatch(/^https:\/\/a\.example\/cb\?auth_code=[^&]+&expires_in=3600$/);
    expect(confirmed.authorizationCode).toBe(new URL(confirmed.location).searchParams.get('auth_code'));
  });

  it('an existing authorized account is updateauthorized, an unauthorized one authorized', async () => {
    const { simulator, receiver } = await withReceiver();
    const [first, second] = simulator.world.population.listing().map((record) => record.appId);
    simulator.world.revoke(second ?? '');
    const page = await openPage(
      pcLink(simulator, { preAuthCode: await mintPreAuthCode(simulator), redirectUri: REDIRECT }),
    );
    const listed = page.forms.map((form) => form.data['appid']).filter(Boolean);
    expect(listed).toContain(first);
    expect(listed).toContain(second);
    const formOf = (appId: string | undefined) => page.forms.find((form) => form.data['appid'] === appId)?.fields ?? {};
    expect((await submit(simulator, formOf(first))).status).toBe(302);
    const again = await openPage(
      pcLink(simulator, { preAuthCode: await mintPreAuthCode(simulator), redirectUri: REDIRECT }),
    );
    const secondForm = again.forms.find((form) => form.data['appid'] === second)?.fields ?? {};
    expect((await submit(simulator, secondForm)).status).toBe(302);
    expect(receiver.received.map((push) => [push.fields['InfoType'], push.fields['AuthorizerAppid']])).toEqual([
      ['updateauthorized', first],
      ['authorized', second],
    ]);
  });

  it('deliver_push=0 drops the push; the redirect still carries a working code', async () => {
    const { simulator, receiver } = await withReceiver();
    const page = await openPage(
      pcLink(simulator, { preAuthCode: await mintPreAuthCode(simulator), redirectUri: REDIRECT }),
    );
    const confirmed = await submit(simulator, { ...newAccountForm(page, 'mini_program').fields, deliver_push: '0' });
    expect(confirmed.status).toBe(302);
    expect(receiver.received).toHaveLength(0);
    const code = new URL(confirmed.location ?? '').searchParams.get('auth_code') ?? '';
    expect(code).toMatch(/^queryauthcode@@@/);
  });
});

describe('the push after the redirect (deliver_push=later)', () => {
  it('over HTTP: the 302 is answered first, the push follows with the same code', async () => {
    const { simulator, receiver } = await withReceiver();
    const preAuthCode = await mintPreAuthCode(simulator);
    const page = await openPage(pcLink(simulator, { preAuthCode, redirectUri: REDIRECT }));
    const confirmed = await submit(simulator, {
      ...newAccountForm(page, 'official_account').fields,
      deliver_push: 'later',
    });
    expect(confirmed.status).toBe(302);
    await expect.poll(() => receiver.received.length).toBe(1);
    expect(receiver.received[0]?.fields).toMatchObject({
      AuthorizationCode: new URL(confirmed.location ?? '').searchParams.get('auth_code'),
      PreAuthCode: preAuthCode,
    });
  });

  it('in-process: nothing until pushLater(), which delivers once', async () => {
    const { simulator, receiver } = await withReceiver();
    const preAuthCode = await mintPreAuthCode(simulator);
    const confirmed = await simulator.confirmAuthorization({
      preAuthCode,
      redirectUri: REDIRECT,
      deliverPush: 'later',
    });
    expect(confirmed.push).toBeUndefined();
    expect(receiver.received).toHaveLength(0);
    const [first, second] = await Promise.all([confirmed.pushLater?.(), confirmed.pushLater?.()]);
    expect(first?.accepted).toBe(true);
    expect(second).toEqual(first);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.fields['AuthorizationCode']).toBe(confirmed.authorizationCode);
  });
});

describe('pre-auth codes', () => {
  it('are single use: a second confirmation with the same code is refused, and its page too', async () => {
    const { simulator, receiver } = await withReceiver();
    const preAuthCode = await mintPreAuthCode(simulator);
    const link = pcLink(simulator, { preAuthCode, redirectUri: REDIRECT });
    const form = newAccountForm(await openPage(link), 'official_account').fields;
    expect((await submit(simulator, form)).status).toBe(302);
    const second = await submit(simulator, form);
    expect(second.status).toBe(200);
    expect(second.page.error).toBe('pre_auth_code_spent');
    expect((await openPage(link)).error).toBe('pre_auth_code_spent');
    expect(receiver.received).toHaveLength(1);
  });

  it('expire 1,800 s after minting, on the simulator clock', async () => {
    const { simulator } = await withReceiver();
    const preAuthCode = await mintPreAuthCode(simulator);
    const link = pcLink(simulator, { preAuthCode, redirectUri: REDIRECT });
    simulator.clock.advance(1_800_000 - 1);
    const page = await openPage(link);
    expect(page.error).toBeUndefined();
    simulator.clock.advance(1);
    expect((await openPage(link)).error).toBe('pre_auth_code_expired');
    const late = await submit(simulator, newAccountForm(page, 'official_account').fields);
    expect(late.page.error).toBe('pre_auth_code_expired');
    expect(simulator.world.population.size).toBe(4);
  });

  it('an unknown code or another component is refused with an HTML page (HTTP 200)', async () => {
    const { simulator } = await withReceiver();
    const unknown = await openPage(pcLink(simulator, { preAuthCode: 'preauthcode@@@forged', redirectUri: REDIRECT }));
    expect([unknown.status, unknown.error]).toEqual([200, 'pre_auth_code_unknown']);
    expect(unknown.html).toContain('<!doctype html>');
    const code = await mintPreAuthCode(simulator);
    const foreign = await openPage(
      pcLink(simulator, { preAuthCode: code, redirectUri: REDIRECT, componentAppId: 'wxother' }),
    );
    expect(foreign.error).toBe('component_appid_invalid');
    await expect(simulator.confirmAuthorization({ preAuthCode: 'nope', redirectUri: REDIRECT })).rejects.toSatisfy(
      (error) => error instanceof AuthorizationRefusedError && error.reason === 'pre_auth_code_unknown',
    );
  });
});

describe('the domain rule', () => {
  async function domainWorld(): Promise<{ simulator: WechatSimulator; link: string }> {
    const { simulator } = await withReceiver({ authorizationDomain: 'hub.example.com' });
    return {
      simulator,
      link: pcLink(simulator, { preAuthCode: await mintPreAuthCode(simulator), redirectUri: REDIRECT }),
    };
  }

  it('without a Referer the page shows 授权入口页所在域名：空', async () => {
    const { link } = await domainWorld();
    const page = await openPage(link);
    expect(page.error).toBe('entry_domain_mismatch');
    expect(page.html).toContain('授权入口页所在域名：空');
    expect(page.forms).toHaveLength(0);
  });

  it('a Referer on another domain is refused, naming it; on the domain the page opens', async () => {
    const { link } = await domainWorld();
    const other = await openPage(link, 'https://evil.example.net/start');
    expect(other.error).toBe('entry_domain_mismatch');
    expect(other.html).toContain('授权入口页所在域名：evil.example.net');
    const ok = await openPage(link, 'https://hub.example.com/authorize?session=abc');
    expect(ok.error).toBeUndefined();
    expect(ok.forms.length).toBeGreaterThan(0);
  });

  it('a redirect_uri off the domain is refused on the page and at confirmation', async () => {
    const { simulator } = await domainWorld();
    const preAuthCode = await mintPreAuthCode(simulator);
    const off = await openPage(
      pcLink(simulator, { preAuthCode, redirectUri: 'https://elsewhere.example/cb' }),
      'https://hub.example.com/authorize',
    );
    expect(off.error).toBe('redirect_domain_mismatch');
    const posted = await submit(simulator, {
      pre_auth_code: preAuthCode,
      redirect_uri: 'https://elsewhere.example/cb',
      new: 'official_account',
    });
    expect(posted.page.error).toBe('redirect_domain_mismatch');
    // Refused before the code was spent: it still works on the domain.
    const good = await submit(simulator, {
      pre_auth_code: preAuthCode,
      redirect_uri: REDIRECT,
      new: 'official_account',
    });
    expect(good.status).toBe(302);
  });
});

describe('which accounts the page offers', () => {
  async function kinds(simulator: WechatSimulator, query: { authType?: string; bizAppId?: string }) {
    const page = await openPage(
      pcLink(simulator, { preAuthCode: await mintPreAuthCode(simulator), redirectUri: REDIRECT, ...query }),
    );
    return page;
  }

  it('auth_type 1 official accounts, 2 mini programs, 3 (and none) both, each with a new-account form', async () => {
    const { simulator } = await withReceiver({ authorizers: 20 });
    for (const [authType, expected] of [
      ['1', ['official_account']],
      ['2', ['mini_program']],
      ['3', ['mini_program', 'official_account']],
      [undefined, ['mini_program', 'official_account']],
    ] as const) {
      const page = await kinds(simulator, authType === undefined ? {} : { authType });
      const existingKinds = new Set(page.forms.filter((f) => f.data['appid']).map((f) => f.data['kind']));
      const newKinds = page.forms.filter((f) => f.data['new']).map((f) => f.data['new']);
      expect([...existingKinds].sort()).toEqual([...expected]);
      expect(newKinds.sort()).toEqual([...expected]);
    }
    expect((await kinds(simulator, { authType: '4' })).error).toBe('auth_type_invalid');
  });

  it('biz_appid wins over auth_type: that account alone, no new one; another account is refused at confirmation', async () => {
    const { simulator } = await withReceiver({ authorizers: 20 });
    const mini = simulator.world.population.listing().find((record) => record.kind === 'mini_program');
    const official = simulator.world.population.listing().find((record) => record.kind === 'official_account');
    if (!mini || !official) throw new Error('the seeded population has both kinds');
    const page = await kinds(simulator, { authType: '1', bizAppId: mini.appId });
    expect(page.forms.map((f) => [f.data['appid'], f.data['kind']])).toEqual([[mini.appId, 'mini_program']]);
    const fields = page.forms[0]?.fields ?? {};
    expect((await submit(simulator, { ...fields, appid: official.appId })).page.error).toBe('account_not_offered');
    expect((await submit(simulator, { ...fields, appid: '', new: 'mini_program' })).page.error).toBe(
      'account_not_offered',
    );
    expect((await submit(simulator, { ...fields, biz_appid: 'wx1"}', appid: 'wx1"}' })).page.error).toBe(
      'account_not_offered',
    );
    expect((await submit(simulator, fields)).status).toBe(302);
  });

  it('the H5 page needs action=bindcomponent and offers the same forms', async () => {
    const { simulator, receiver } = await withReceiver();
    const pc = new URL(
      pcLink(simulator, { preAuthCode: await mintPreAuthCode(simulator), redirectUri: REDIRECT, authType: '2' }),
    );
    const h5 = new URL(`/wxaopen/safe/bindcomponent${pc.search}&no_scan=1`, simulator.url);
    expect((await openPage(h5.toString())).error).toBe('action_invalid');
    h5.searchParams.set('action', 'bindcomponent');
    const page = await openPage(h5.toString());
    expect(page.error).toBeUndefined();
    const confirmed = await submit(simulator, newAccountForm(page, 'mini_program').fields);
    expect(confirmed.status).toBe(302);
    const appId = receiver.received[0]?.fields['AuthorizerAppid'] ?? '';
    expect(simulator.world.population.get(appId)?.kind).toBe('mini_program');
  });
});
