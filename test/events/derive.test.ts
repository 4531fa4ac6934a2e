import { describe, expect, it } from 'vitest';
import { changeOfRecord, DETAIL_TYPES, deriveEvents, type Image } from '../../shared/events/index.js';
import {
  APP,
  authorizer,
  COMPONENT,
  change,
  completed,
  PK,
  pending,
  SESSION,
  SESSION_PK,
  session,
  streamRecord,
} from './changes.js';

const derive = (before: Image | undefined, after: Image | undefined, pk = PK) =>
  deriveEvents(change(before, after, pk), { componentAppId: COMPONENT });
const types = (before: Image | undefined, after: Image | undefined, pk = PK) =>
  derive(before, after, pk).map((event) => event.detailType);

describe('Authorizer Authorized', () => {
  it('a new active account: the whole detail', () => {
    const [event, ...rest] = derive(undefined, authorizer({ revision: 1 }));
    expect(rest).toEqual([]);
    expect(event).toEqual({
      detailType: 'Authorizer Authorized',
      detail: {
        componentAppId: COMPONENT,
        appId: APP,
        revision: 1,
        eventId: `${PK}#1#Authorizer Authorized`,
        occurredAt: new Date(1_700_000_001_000).toISOString(),
        authTime: 1_700_000_000,
        previousStatus: 'none',
        via: 'authorization_code',
        funcInfo: [1, 15],
        kind: 'official_account',
        nickName: 'Shop',
        principalName: 'Shop Ltd',
      },
    });
  });

  it('never a token in any detail', () => {
    const details = JSON.stringify([
      derive(undefined, authorizer()),
      derive(authorizer(), authorizer({ status: 'revoked', statusReason: 'unauthorized_push', revision: 2 })),
    ]);
    expect(details).not.toContain('secret');
  });

  it('the pending item makes nothing; its exchange makes Authorized (previous: none)', () => {
    expect(types(undefined, pending())).toEqual([]);
    const exchanged = derive(pending(), authorizer({ revision: 2 }));
    expect(exchanged.map((event) => [event.detailType, event.detail])).toEqual([
      ['Authorizer Authorized', expect.objectContaining({ previousStatus: 'none', revision: 2 })],
    ]);
  });

  it('the pending item written before statusReason (no refresh token) is pending too', () => {
    const old = pending({ statusReason: undefined });
    expect(types(old, authorizer({ revision: 2 }))).toEqual(['Authorizer Authorized']);
    expect(types(old, authorizer({ status: 'revoked', revision: 2 }))).toEqual([]);
  });

  it('revoked → active (listed again): Authorized via listing, previous revoked, no Permissions Changed', () => {
    const old = authorizer({ status: 'revoked', statusReason: 'absent_from_listing', funcInfo: [1] });
    const [event, ...rest] = derive(old, authorizer({ statusReason: 'listed', funcInfo: [1, 2], revision: 2 }));
    expect(rest).toEqual([]);
    expect(event?.detail).toMatchObject({ previousStatus: 'revoked', via: 'listing', funcInfo: [1, 2] });
  });

  it('authTime grows while active: Authorized (previous active), timed by authTimeChangedAt', () => {
    const [event] = derive(authorizer(), authorizer({ authTime: 1_700_000_500, authTimeChangedAt: 1_700_000_500_000 }));
    expect(event?.detailType).toBe('Authorizer Authorized');
    expect(event?.detail).toMatchObject({
      previousStatus: 'active',
      occurredAt: new Date(1_700_000_500_000).toISOString(),
    });
  });

  it('the same or an older authTime while active: nothing', () => {
    expect(types(authorizer(), authorizer({ revision: 2 }))).toEqual([]);
    expect(types(authorizer(), authorizer({ authTime: 1_600_000_000, revision: 2 }))).toEqual([]);
  });

  it('an unknown statusReason is via unknown; unknown kind is left out', () => {
    const [event] = derive(undefined, authorizer({ statusReason: undefined, kind: 'weird' }));
    expect(event?.detail).toMatchObject({ via: 'unknown' });
    expect(event?.detail).not.toHaveProperty('kind');
  });
});

describe('Authorizer Permissions Changed', () => {
  it('funcInfo changes while active: added and removed', () => {
    const [event, ...rest] = derive(
      authorizer({ funcInfo: [1, 15, 24] }),
      authorizer({ funcInfo: [1, 2, 15], revision: 7, infoChangedAt: 1_700_000_900_000 }),
    );
    expect(rest).toEqual([]);
    expect(event?.detailType).toBe('Authorizer Permissions Changed');
    expect(event?.detail).toMatchObject({
      funcInfo: [1, 2, 15],
      previousFuncInfo: [1, 15, 24],
      added: [2],
      removed: [24],
      revision: 7,
      eventId: `${PK}#7#Authorizer Permissions Changed`,
      occurredAt: new Date(1_700_000_900_000).toISOString(),
    });
  });

  it('an updateauthorized (new authTime, new lists): Authorized then Permissions Changed', () => {
    expect(types(authorizer({ funcInfo: [1] }), authorizer({ funcInfo: [1, 2], authTime: 1_800_000_000 }))).toEqual([
      'Authorizer Authorized',
      'Authorizer Permissions Changed',
    ]);
  });

  it('the same lists, in another order or with a duplicate, as a number set: nothing', () => {
    expect(types(authorizer({ funcInfo: [15, 1] }), authorizer({ funcInfo: new Set([1, 15]) }))).toEqual([]);
    expect(types(authorizer({ funcInfo: [1, 15, 15] }), authorizer({ funcInfo: [1, 15] }))).toEqual([]);
  });

  it('a list first known, or no longer known: nothing', () => {
    expect(types(authorizer({ funcInfo: undefined }), authorizer({ funcInfo: [1] }))).toEqual([]);
    expect(types(authorizer({ funcInfo: [1] }), authorizer({ funcInfo: undefined }))).toEqual([]);
  });

  it('while refused: still told; with the revocation: not', () => {
    const refused = { status: 'refresh_token_invalid', statusReason: 'refresh_token_refused' };
    expect(types(authorizer({ ...refused, funcInfo: [1] }), authorizer({ ...refused, funcInfo: [2] }))).toEqual([
      'Authorizer Permissions Changed',
    ]);
    expect(types(authorizer({ funcInfo: [1] }), authorizer({ status: 'revoked', funcInfo: [2] }))).toEqual([
      'Authorizer Revoked',
    ]);
  });
});

describe('Authorizer Revoked, Refresh Token Refused, Healed', () => {
  it.each([
    ['unauthorized_push', 'unauthorized_push'],
    ['absent_from_listing', 'absent_from_listing'],
    ['not_authorized', 'not_authorized'],
    [undefined, 'unknown'],
    ['something_else', 'unknown'],
  ])('revoked with statusReason %s: reason %s', (statusReason, reason) => {
    const [event, ...rest] = derive(
      authorizer(),
      authorizer({ status: 'revoked', statusReason, revision: 3, statusChangedAt: 1_700_001_000_000 }),
    );
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      detailType: 'Authorizer Revoked',
      detail: { reason, revision: 3, occurredAt: new Date(1_700_001_000_000).toISOString(), nickName: 'Shop' },
    });
  });

  it('a refused account revoked: Revoked; a revoked one revoked again, or a pending one: nothing', () => {
    const refused = authorizer({ status: 'refresh_token_invalid', statusReason: 'refresh_token_refused' });
    const revoked = authorizer({ status: 'revoked', statusReason: 'not_authorized' });
    expect(types(refused, revoked)).toEqual(['Authorizer Revoked']);
    expect(types(revoked, { ...revoked, revision: 9 })).toEqual([]);
    expect(types(pending(), revoked)).toEqual([]);
    expect(types(undefined, revoked)).toEqual([]);
  });

  it('active → refused (61023): Refresh Token Refused; an item before statusReason with a refresh token too', () => {
    const refused = { status: 'refresh_token_invalid', statusReason: 'refresh_token_refused', revision: 4 };
    expect(derive(authorizer(), authorizer(refused))).toEqual([
      {
        detailType: 'Authorizer Refresh Token Refused',
        detail: expect.objectContaining({ revision: 4, eventId: `${PK}#4#Authorizer Refresh Token Refused` }),
      },
    ]);
    expect(types(authorizer(), authorizer({ ...refused, statusReason: undefined }))).toEqual([
      'Authorizer Refresh Token Refused',
    ]);
  });

  it('refused → active: Healed (with funcInfo); with a new authTime also Authorized', () => {
    const refused = authorizer({ status: 'refresh_token_invalid', statusReason: 'refresh_token_refused' });
    const [healed, ...rest] = derive(refused, authorizer({ statusReason: 'listed', revision: 5 }));
    expect(rest).toEqual([]);
    expect(healed).toMatchObject({ detailType: 'Authorizer Healed', detail: { funcInfo: [1, 15], revision: 5 } });
    expect(types(refused, authorizer({ authTime: 1_800_000_000 }))).toEqual([
      'Authorizer Healed',
      'Authorizer Authorized',
    ]);
  });
});

describe('writes that make nothing', () => {
  it.each<[string, Record<string, unknown>]>([
    ['tokens', { accessToken: 'new', accessTokenExpiresAt: 1, refreshToken: 'new@@@', revision: 2 }],
    ['a lease', { leaseOwner: 'x', leaseExpiresAt: 5, revision: 2 }],
    ['doubt', { doubtSince: 1, revision: 2 }],
    ['the due index', { dueShard: '03', refreshAt: 9, revision: 2 }],
    ['account information', { nickName: 'Other', kind: 'mini_program', accountInfo: { alias: 'a' }, revision: 2 }],
    ['absence', { absentSince: 5, version: 2, revision: 2 }],
  ])('a write of %s', (_, fields) => {
    expect(types(authorizer(), authorizer(fields))).toEqual([]);
  });

  it('REMOVE (a deletion, a TTL expiry) and other item types', () => {
    expect(types(authorizer(), undefined)).toEqual([]);
    expect(types(completed(), undefined, SESSION_PK)).toEqual([]);
    expect(types(undefined, { pk: 'COMPONENT#wx', ticket: 't' }, 'COMPONENT#wx')).toEqual([]);
    expect(types(undefined, { pk: 'PUSH#abc', expiresAt: 1 }, 'PUSH#abc')).toEqual([]);
  });
});

describe('Onboarding Completed', () => {
  it('a session gains completedAt: the detail', () => {
    expect(derive(session(), completed(), SESSION_PK)).toEqual([
      {
        detailType: DETAIL_TYPES.onboardingCompleted,
        detail: {
          componentAppId: COMPONENT,
          sessionId: SESSION,
          appId: APP,
          completedBy: 'push',
          sessionKind: 'pc',
          state: 'caller-state',
          revision: 2,
          eventId: `${SESSION_PK}#2#Onboarding Completed`,
          occurredAt: new Date(1_700_000_300_000).toISOString(),
        },
      },
    ]);
  });

  it('the creation, a later write of a completed session, a session without state', () => {
    expect(types(undefined, session(), SESSION_PK)).toEqual([]);
    expect(types(completed(), completed({ revision: 3 }), SESSION_PK)).toEqual([]);
    const [event] = derive(session(), completed({ state: undefined, completedBy: 'redirect' }), SESSION_PK);
    expect(event?.detail).not.toHaveProperty('state');
    expect(event?.detail).toMatchObject({ completedBy: 'redirect' });
  });
});

describe('the stream record', () => {
  it('is unmarshalled: the same events as from the plain images', () => {
    const c = change(authorizer({ funcInfo: [1] }), authorizer({ funcInfo: [1, 2], revision: 2 }));
    const read = changeOfRecord(streamRecord(c));
    expect(read).toEqual({ ...c, approximateAt: 1_700_000_000_000 });
    expect(deriveEvents(read, { componentAppId: COMPONENT })).toEqual(deriveEvents(c, { componentAppId: COMPONENT }));
  });

  it('an item without revision: revision null, the id from the sequence number, the time from the record', () => {
    const c = change(authorizer(), authorizer({ status: 'revoked', revision: undefined, statusChangedAt: undefined }));
    const [event] = deriveEvents(changeOfRecord(streamRecord(c)), { componentAppId: COMPONENT });
    expect(event?.detail).toMatchObject({
      revision: null,
      eventId: `${PK}#seq-${c.sequenceNumber}#Authorizer Revoked`,
      occurredAt: new Date(1_700_000_000_000).toISOString(),
    });
  });

  it('a record without a sequence number or key is refused', () => {
    expect(() => changeOfRecord({ eventName: 'INSERT', dynamodb: { NewImage: {} } })).toThrow(/sequence/);
    expect(() => changeOfRecord({ eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: {} } })).toThrow(
      /pk/,
    );
  });
});
