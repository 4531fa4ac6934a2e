import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeOfRecord, deriveEvents, type Image, type LifecycleEvent } from '../../shared/events/index.js';
import { authorizer, COMPONENT, change, pending, streamRecord } from './changes.js';

/**
 * Random lives of one account, written as the registry writes them (every write `revision` + 1, the
 * status moving only as the product moves it), derived write by write: the events come in revision
 * order, no eventId twice, and a consumer that only follows the events always knows the account's
 * status and (once told) its permission sets.
 */

/** `FC_SEED=<seed>` replays a failed run (fast-check prints its seed on failure). */
const seed = process.env['FC_SEED'] === undefined ? {} : { seed: Number(process.env['FC_SEED']) };
const runs = Number(process.env['FC_RUNS'] ?? 500);

type Standing = 'pending' | 'active' | 'revoked' | 'refused';

/** Where the product can move an account from each standing (docs/events.md). */
const NEXT: Readonly<Record<Standing, readonly Standing[]>> = {
  pending: ['pending', 'active', 'revoked'],
  active: ['active', 'revoked', 'refused'],
  revoked: ['revoked', 'active'],
  refused: ['refused', 'active', 'revoked'],
};

interface Step {
  readonly pick: number;
  readonly authTimeGrows: boolean;
  readonly funcInfo: number[] | 'same';
  readonly noise: string;
  readonly reason: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  pick: fc.nat(),
  authTimeGrows: fc.boolean(),
  funcInfo: fc.oneof(fc.constant('same' as const), fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { maxLength: 4 })),
  noise: fc.string({ maxLength: 3 }),
  reason: fc.nat(),
});

const REVOKE_REASONS = ['unauthorized_push', 'absent_from_listing', 'not_authorized'];

function imageOf(standing: Standing, fields: Record<string, unknown>): Image {
  if (standing === 'pending') return pending(fields);
  const status = standing === 'active' ? 'active' : standing === 'revoked' ? 'revoked' : 'refresh_token_invalid';
  return authorizer({ ...fields, status });
}

/** A life: the images of the item, write after write. */
function life(startPending: boolean, initialFuncInfo: number[] | undefined, steps: readonly Step[]): Image[] {
  let standing: Standing = startPending ? 'pending' : 'active';
  let authTime = 1_700_000_000;
  let funcInfo = startPending ? undefined : initialFuncInfo;
  const images = [imageOf(standing, { revision: 1, authTime, funcInfo })];
  steps.forEach((s, index) => {
    const options = NEXT[standing];
    const next = options[s.pick % options.length] as Standing;
    if (s.authTimeGrows && next === 'active') authTime += 100;
    // Once known, a list stays known (api_query_auth and api_get_authorizer_info both give one).
    if (s.funcInfo !== 'same' && next !== 'pending') funcInfo = [...s.funcInfo].sort((a, b) => a - b);
    const reason =
      next === 'revoked'
        ? REVOKE_REASONS[s.reason % 3]
        : next === 'refused'
          ? 'refresh_token_refused'
          : next === 'active'
            ? s.reason % 2 === 0
              ? 'authorized'
              : 'listed'
            : 'awaiting_exchange';
    images.push(
      imageOf(next, {
        revision: index + 2,
        authTime,
        funcInfo,
        statusReason: reason,
        nickName: `n${s.noise}`,
        accessToken: `t${s.noise}`,
        statusChangedAt: 1_700_000_000_000 + index,
      }),
    );
    standing = next;
  });
  return images;
}

/** What a consumer knows from the events alone. */
interface View {
  status: 'none' | 'active' | 'revoked' | 'refresh_token_invalid';
  funcInfo?: readonly number[] | undefined;
}

function follow(view: View, event: LifecycleEvent): View {
  switch (event.detailType) {
    case 'Authorizer Authorized':
    case 'Authorizer Healed':
      return { status: 'active', funcInfo: event.detail.funcInfo ?? view.funcInfo };
    case 'Authorizer Permissions Changed':
      return { ...view, funcInfo: event.detail.funcInfo };
    case 'Authorizer Revoked':
      return { ...view, status: 'revoked' };
    case 'Authorizer Refresh Token Refused':
      return { ...view, status: 'refresh_token_invalid' };
    default:
      return view;
  }
}

describe('random lives of an account', () => {
  it('events in revision order, each id once, and enough to follow the account', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }), { nil: undefined }),
        fc.array(step, { maxLength: 30 }),
        (startPending, initialFuncInfo, steps) => {
          const images = life(
            startPending,
            initialFuncInfo?.sort((a, b) => a - b),
            steps,
          );
          const ids = new Set<string>();
          let lastRevision = 0;
          let everActive = false;
          let view: View = { status: 'none' };
          images.forEach((after, index) => {
            const c = change(images[index - 1], after);
            const events = deriveEvents(c, { componentAppId: COMPONENT });
            // The same record delivered again (as the stream does after a failure) means the same events.
            expect(deriveEvents(changeOfRecord(streamRecord(c)), { componentAppId: COMPONENT })).toEqual(events);
            for (const event of events) {
              expect(ids.has(event.detail.eventId)).toBe(false);
              ids.add(event.detail.eventId);
              expect(event.detail.revision).toBe(after['revision']);
              expect(event.detail.revision as number).toBeGreaterThan(lastRevision);
              view = follow(view, event);
            }
            if (events.length > 0) lastRevision = after['revision'] as number;
            const status = after['status'];
            const isPending = after['statusReason'] === 'awaiting_exchange';
            everActive ||= status === 'active';
            const expected = isPending
              ? 'none'
              : status === 'revoked' && !everActive
                ? 'none'
                : (status as View['status']);
            expect(view.status).toBe(expected);
            if (view.funcInfo !== undefined && status !== 'revoked' && !isPending)
              expect(view.funcInfo).toEqual(after['funcInfo']);
          });
        },
      ),
      { numRuns: runs, ...seed },
    );
  });
});
