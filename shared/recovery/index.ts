// Recovering a refused refresh token (61023). WeChat answers 61023 when the stored refresh token is no
// longer the account's (replaced by another system, rotated by a renewal whose answer was lost); the only
// way back is api_get_authorizer_list, which lists every account with its current refresh token. The
// feature, end to end:
//   1. the mark: the renewer stores the account as `refresh_token_invalid`, in the due index's recovery
//      partition, in one write (shared/tokens/authorizer-renewer.ts; the partition is RECOVERY_SHARD in
//      shared/store/schema.ts); an account a push announces is stored there too until its exchange
//      lands (`createPending`, called by shared/tokens/authorization.ts);
//   2. the debt: a recovery is owed while that partition holds a mark newer than the start of the last
//      complete listing (`SyncStore.recoveryOwed`, `recordCompleteListing` in shared/store/sync-store.ts);
//   3. the policy: every scheduled refresh run pays an owed recovery at once with a sync, time allowing
//      (`recoverIfOwed`, here);
//   4. the heal: the sync writes the listed refresh token over a refused one and makes the account due
//      (the `heal` decision, shared/sync/decide.ts).
export * from './recover-if-owed.js';
