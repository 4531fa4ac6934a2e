/** What a simulated day is run with, and what it reports (see simulateDay). */

export interface DayOptions {
  readonly authorizers: number;
  /** The measured window; a day by default. A warm-up before it spreads the first tokens over a cycle. */
  readonly dayMs?: number;
  /** The refresh schedule. Default a minute, as deployed. */
  readonly stepMs?: number;
  /** Scheduled refresh runs started at once at every step, racing for the same accounts. Default 2. */
  readonly refreshRuns?: number;
  /** Getter requests for random accounts at every step, alongside the runs. Default 5. */
  readonly gettersPerStep?: number;
  /** Backends that use the shipped WechatTokenClient, each with its own cache. Default 4; 0 for none. */
  readonly callerBackends?: number;
  /** WeChat requests each backend makes for random accounts per step, spread over the step. Default 9. */
  readonly callerUsesPerStep?: number;
  /** Whether every step ends with a Scan of the stored tokens (secondsWithoutValidToken). Default true. */
  readonly sampleStoredTokens?: boolean;
  readonly chaos?: boolean;
  /** With chaos: whether refresh runs die too (default true), to tell their share of the figures. */
  readonly killRuns?: boolean;
  readonly seed?: number;
}

export interface DayReport {
  readonly authorizers: number;
  readonly simulatedHours: number;
  /** api_authorizer_token calls in the window, answered or not. */
  readonly authorizerTokenCalls: number;
  /** Of those, the ones that issued a token. */
  readonly renewals: number;
  /** The schedule's own floor: one renewal per account every (7,200 − margin) s. */
  readonly renewalFloor: number;
  /** Renewals of a token renewed less than (7,200 − margin) s before. */
  readonly duplicateRenewals: number;
  readonly getterResponses: number;
  /** 5xx answers (WeChat unavailable, renewal in progress); a 410 for a revoked account is not one. */
  readonly getterUnavailable: number;
  /** Tokens handed out that WeChat had invalidated or that had expired. */
  readonly invalidTokensServed: number;
  /** Authorized accounts whose stored refresh token WeChat no longer accepts, at the end of the window. */
  readonly refreshTokensLost: number;
  /** Summed over authorized accounts, sampled after every step: time with no stored token WeChat accepts. */
  readonly secondsWithoutValidToken: number;
  /** api_authorizer_token calls in the window that WeChat answered -1 (the chaos day's injected errors). */
  readonly authorizerTokenSystemErrors: number;
  /** Refresh runs killed part-way (after taking a lease, or after WeChat answered and before the commit). */
  readonly killedRuns: number;
  /** Recovery syncs the refresh runs made after a 61023, and the accounts they healed. */
  readonly recoverySyncs: number;
  readonly recoveredRefreshTokens: number;
  /** WeChat requests the callers made with a token their WechatTokenClient gave them (retries after a report too). */
  readonly callerRequests: number;
  /** Of those, with a token WeChat no longer accepted, not killed by the account's own revocation. */
  readonly callerDeadTokenRequests: number;
  /** With a token the account's revocation killed, or for an account revoked at that moment (not counted as dead). */
  readonly callerRevokedTokenRequests: number;
  /** reportInvalid calls the callers made, and their requests to the getter in all (cache misses included). */
  readonly callerReports: number;
  readonly callerGetterCalls: number;
  readonly callerGetterErrors: number;
  /** Scheduled refresh invocations in the window (runs per step × steps). */
  readonly refreshInvocations: number;
  /** DynamoDB requests in the window: the refresh function's, and the product's in all (the measurement's own Scans aside). */
  readonly refreshDynamoRequests: number;
  readonly dynamoRequests: number;
  /** Wall-clock time of the whole simulation. */
  readonly wallMs: number;
}
