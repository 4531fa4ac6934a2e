import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createRefresh } from '../../functions/refresh/refresh.js';
import { conformanceBackends, useBackend } from '../support/dynamo-backends.js';
import {
  MINUTE,
  otherInstance,
  Promises,
  realSleep,
  scheduledEvent,
  storedTokenWorks,
  writesAccessToken,
} from '../support/promise-harness.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// Review attacks on the renewal protocol under DynamoDB faults and paused holders. Each says what it shows.
// R6, R7, R8 FAILED on the code handed for review (ba7f3f4) and PASS since the lead's commit 4a71353
// ("Review fixes"), landed during the review: kept as regression tests. R10 failed on 4a71353 and passes since the
// commit after it. R1 and R9 are limits the promise rests on, documented in trust.ts and the README.

type Send = (command: unknown, ...rest: unknown[]) => Promise<unknown>;
const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

/**
 * A DocumentClient on which writes matching `matches` misbehave: `refuse` fails them with a version
 * conflict (nothing written), `lostAnswer` writes them and then answers as the SDK's retry of a write
 * whose answer was lost would (the version moved: a conditional failure).
 */
function faultyDoc(
  doc: DynamoDBDocumentClient,
  matches: (input: Record<string, unknown>) => boolean,
  effect: { kind: 'refuse' | 'lostAnswer'; times: number },
) {
  let left = effect.times;
  let reads = 0;
  let killed = false;
  const proxy = new Proxy(doc, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (
        command: { input: Record<string, unknown>; constructor: new (input: unknown) => unknown },
        ...rest: unknown[]
      ) => {
        if (killed) throw Object.assign(new Error('test over'), { name: 'TestOver' });
        const send = target.send.bind(target) as Send;
        const name = command.constructor.name;
        if (name === 'GetCommand') reads++;
        const isWrite = name === 'UpdateCommand' || name === 'PutCommand';
        if (!isWrite || left <= 0 || !matches(command.input)) return send(command, ...rest);
        left--;
        if (effect.kind === 'refuse') throw conditionFailed();
        await send(command, ...rest);
        return send(new command.constructor(command.input), ...rest); // the retry: refused, the version moved
      };
    },
  });
  return {
    doc: proxy,
    reads: () => reads,
    kill: () => {
      killed = true;
    },
  };
}

/** Whether a write takes a renewal lease (sets leaseOwner). */
function takesLease(input: Record<string, unknown>): boolean {
  const names = input['ExpressionAttributeNames'];
  const update = input['UpdateExpression'];
  return (
    typeof update === 'string' &&
    names !== null &&
    typeof names === 'object' &&
    Object.values(names).includes('leaseOwner') &&
    /SET[\s\S]*#leaseOwner = /.test(update) &&
    String(input['Key'] && JSON.stringify(input['Key'])).includes('AUTHORIZER#')
  );
}

describe.each(conformanceBackends())('review: renewals, on %s', (kind) => {
  const backend = useBackend(kind);
  let bed: Testbed;
  afterEach(() => bed.close());

  async function start(options: Parameters<typeof startTestbed>[1] = {}) {
    bed = await startTestbed(backend(), options);
    await bed.storeTicket();
    const [appId = ''] = await bed.seedAuthorizers(1);
    const promises = new Promises(bed);
    expect((await promises.token(appId)).status).toBe(200);
    return { appId, promises, refresh: createRefresh(() => bed.service) };
  }

  it('R6: a lease write that keeps failing its version condition makes the scheduled run spin for ever (waitMs 0: no bound, no pause)', async () => {
    // Shows: acquireLease gives up on a failed write only when `waitMs > 0`. The scheduled refresh
    // calls it with waitMs 0, so a record whose lease write keeps being refused (a hot item, a writer
    // that keeps moving it) is read and written in a tight loop until the Lambda times out, with every
    // other lease of that run abandoned then. The getter (waitMs 8 s) gives up; the schedule never does.
    const { appId } = await start();
    bed.clock.advance(7_200_000 - 15 * MINUTE); // due
    const faulty = faultyDoc(bed.doc, takesLease, { kind: 'refuse', times: Number.POSITIVE_INFINITY });
    const run = otherInstance(bed, { doc: faulty.doc });
    const finished = run.refresh(scheduledEvent).then(
      () => 'finished',
      () => 'failed',
    );
    const outcome = await Promise.race([finished, realSleep(3_000).then(() => 'still running')]);
    const reads = faulty.reads();
    faulty.kill(); // end the loop (it throws on the next read)
    await finished;
    expect(appId).toBeTruthy();
    expect(
      { outcome, readsOverHundred: reads > 100 },
      'the scheduled run ends, having tried a refused lease a bounded number of times',
    ).toEqual({ outcome: 'finished', readsOverHundred: false });
  });

  it('R7: commits that keep failing the version condition: RenewalConflictError escapes the getter as a 500 after WeChat issued a token', async () => {
    // Shows: transition() throws RenewalConflictError after 8 conflicts; AuthorizerRenewer does not
    // catch it, so the getter answers 500 `internal` (not a retryable 503) and the lease is left to be
    // taken over (with refresh-token rotation the refresh token WeChat returned is lost with it).
    const { appId } = await start();
    bed.clock.advance(7_200_000 - 15 * MINUTE + 4 * MINUTE); // the stored token is guaranteed for under a minute: the getter renews
    const faulty = faultyDoc(bed.doc, writesAccessToken, { kind: 'refuse', times: 20 });
    const getter = otherInstance(bed, { doc: faulty.doc }).getter;
    const answer = await new Promises(bed).token(appId, getter);
    expect(answer.status, 'a renewal that could not be stored is a retryable 503, not a 500').not.toBe(500);
  });

  it('R8: a commit whose DynamoDB answer is lost (the SDK retry is refused) is taken for a lost lease: our own token is put in doubt and renewed again', async () => {
    // Shows: after a lost answer the record already holds our token and no lease; commitStep sees no
    // lease of ours and records our own request as doubt against our own token (acquireLease handles
    // the same case by owner; the commit does not). The token is then guaranteed 4 minutes, and the
    // schedule renews it again within ~1 minute: a renewal spent for nothing per lost answer.
    const { appId, refresh } = await start();
    bed.clock.advance(7_200_000 - 15 * MINUTE);
    const renewals = () => bed.simulator.counters.forAuthorizer('api_authorizer_token', appId);
    const faulty = faultyDoc(bed.doc, writesAccessToken, { kind: 'lostAnswer', times: 1 });
    const lost = otherInstance(bed, { doc: faulty.doc });
    expect(await lost.refresh(scheduledEvent)).toMatchObject({ summary: { renewed: 1 } });
    const after = renewals();
    for (let minute = 0; minute < 10; minute++) {
      bed.clock.advance(MINUTE);
      await refresh(scheduledEvent);
    }
    expect(await storedTokenWorks(bed, appId)).toBe(true);
    expect(renewals() - after, 'no further renewal in the 10 minutes after a committed one').toBe(0);
  });
});
