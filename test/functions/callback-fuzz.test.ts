import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSED } from '../../functions/callback/callback.js';
import { type ApiTestbed, startApiTestbed } from '../support/api-testbed.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { tableDump } from '../support/push-attacker.js';
import { fuzzCases } from '../support/push-fuzz-cases.js';

// Issue 14's first property: whatever is posted to the callback (random bodies, query strings and
// headers; genuine pushes with a byte flipped, a field changed, a query parameter changed, a ciphertext
// byte changed and signed again) is answered 200 `success` only for a genuine push and otherwise the one
// refusal, never 5xx, and leaves the table as it was unless the push was genuine. The real handler, on
// dynalite, with the simulator behind it. Budget: FC_RUNS runs (400 by default); a failure prints its
// seed and path, which FC_SEED (and FC_PATH) replay.

const RUNS = Number(process.env['FC_RUNS'] ?? 400);
const SEED = process.env['FC_SEED'] === undefined ? {} : { seed: Number(process.env['FC_SEED']) };
const PATH = process.env['FC_PATH'] === undefined ? {} : { path: process.env['FC_PATH'] };

describe('the callback, fuzzed', () => {
  const backend = useDynalite();
  let bed: ApiTestbed;
  beforeAll(async () => {
    bed = await startApiTestbed(backend());
    // On a whole second, so that the model's bounds in seconds are the handler's in milliseconds.
    bed.clock.set(Math.ceil(bed.clock.now() / 1000) * 1000);
    await bed.storeTicket();
    await bed.seedAuthorizers(3);
  });
  afterAll(() => bed.close());

  it(`answers success only to a genuine push, else the one refusal, never 5xx; the table changes only for a genuine push (${RUNS} runs)`, async () => {
    const nowS = Math.floor(bed.clock.now() / 1000);
    const seen = { genuine: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fuzzCases(nowS), async (fuzzCase) => {
        // A genuine push may change the table (its receipt at least): only the others are compared.
        const before = fuzzCase.genuine === true ? '' : await tableDump(bed.doc, bed.tableName);
        const answer = await bed.callback(fuzzCase.event);
        expect(answer.statusCode, fuzzCase.label).toBeLessThan(500);
        if (fuzzCase.genuine === 'either' && answer.statusCode === 200) {
          expect(answer, fuzzCase.label).toMatchObject({ body: 'success' });
        } else if (fuzzCase.genuine === true) {
          seen.genuine++;
          expect(answer, fuzzCase.label).toMatchObject({ statusCode: 200, body: 'success' });
        } else {
          seen.refused++;
          expect(answer, fuzzCase.label).toEqual(REFUSED);
          expect(await tableDump(bed.doc, bed.tableName), fuzzCase.label).toBe(before);
        }
      }),
      { numRuns: RUNS, ...SEED, ...PATH },
    );
    // Both halves of the property were exercised (unless one path was replayed).
    if (process.env['FC_PATH'] === undefined) {
      expect(seen.genuine).toBeGreaterThan(RUNS / 20);
      expect(seen.refused).toBeGreaterThan(RUNS / 2);
    }
    expect(bed.logger.lines.join('\n')).not.toContain('push handling failed');
  }, 600_000);
});
