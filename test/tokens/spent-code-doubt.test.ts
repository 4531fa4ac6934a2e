import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensitive } from '../../shared/sensitive.js';
import { type AuthorizationGrant, exchangeAuthorization } from '../../shared/tokens/index.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

// A spent code (61009) may have been spent by the browser's redirect exchange whose answer was lost:
// the token it issued supersedes the stored one, so the push's exchange keeps its doubt.
describe('a redirect exchange whose answer is lost, then the push of the same authorization', () => {
  const backend = useDynalite();
  let bed: Testbed;
  beforeEach(async () => {
    bed = await startTestbed(backend());
    await bed.storeTicket();
  });
  afterEach(() => bed.close());
  const exchange = (grant: AuthorizationGrant) =>
    exchangeAuthorization(
      {
        store: bed.authorizers,
        client: bed.client,
        componentTokens: bed.componentTokens,
        clock: bed.clock,
        renewalMarginMs: 15 * 60_000,
        logger: bed.logger,
      },
      grant,
    );

  it('keeps the doubt on code_spent, and the token served after the grace is one WeChat accepts', async () => {
    const [appId = ''] = await bed.seedAuthorizers(1);
    await bed.service.serveAuthorizerToken(appId);
    // A new code for the stored account (its refresh token unchanged, as WeChat keeps it on a re-authorization).
    const grant = bed.simulator.world.issueAuthorizationCode(appId);
    const createTime = Math.floor(bed.clock.now() / 1000);
    // The browser's redirect: api_query_auth answered, the answer lost before anything was stored.
    await bed.componentTokens.withToken((token) =>
      bed.client.queryAuth(token, { authorizationCode: sensitive(grant.authorizationCode) }),
    );
    bed.clock.advance(1_000);
    const outcome = await exchange({ appId, authorizationCode: sensitive(grant.authorizationCode), createTime });
    expect(outcome.kind).toBe('code_spent');
    const record = await bed.authorizers.get(appId);
    expect(record?.doubt, 'a doubt covers the exchange that spent the code').toBeDefined();
    expect(record?.doubt?.from ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(createTime * 1000);
    bed.clock.advance(10 * 60_000); // past the simulator's grace for a superseded token
    const { result } = await bed.service.serveAuthorizerToken(appId);
    expect(result.kind === 'failed' ? result.error.message : result.kind).toMatch(/^(current|renewed)$/);
    const served = result.kind === 'current' || result.kind === 'renewed' ? result.token.token.reveal() : '';
    expect(bed.simulator.world.isAuthorizerTokenValid(appId, served), 'WeChat accepts the served token').toBe(true);
  });
});
