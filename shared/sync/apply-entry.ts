// What one listed entry writes: the decision carried out with a conditional write, and counted.
import type { Clock } from '../clock.js';
import type { AuthorizerSnapshot, ListedEntry, SyncStore } from '../store/index.js';
import { decide, type SyncDecision } from './decide.js';

type TallyField =
  | 'added'
  | 'updated'
  | 'healed'
  | 'reactivated'
  | 'revoked'
  | 'markedAbsent'
  | 'relisted'
  | 'revocationsDeferred'
  | 'dueIndexRepaired'
  | 'unchanged'
  | 'conflicts';
/** What the sync counts, by what it did to each account. */
export type Tally = { -readonly [K in TallyField]: number };

/** Writes what one listed entry changes, deciding again from a fresh read when the state moved. */
export async function applyEntry(
  options: { readonly syncStore: SyncStore; readonly clock: Clock },
  stored: AuthorizerSnapshot | undefined,
  entry: ListedEntry,
  tally: Tally,
  written: Set<string>,
): Promise<void> {
  const { syncStore, clock } = options;
  let current = stored;
  for (let attempt = 0; attempt < 2; attempt++) {
    const decision = decide(current, entry);
    if (await write(syncStore, current, entry, decision, clock.now())) {
      count(decision, tally);
      // These changed the version (and the due time where they activate): the snapshot's view is stale.
      if (decision.kind !== 'unchanged' && decision.kind !== 'still_invalid' && decision.kind !== 'relisted')
        written.add(entry.appId);
      return;
    }
    current = await syncStore.read(entry.appId);
  }
  written.add(entry.appId);
  tally.conflicts++;
}

/** `true` when the decision is carried out (or needs no write). */
async function write(
  store: SyncStore,
  stored: AuthorizerSnapshot | undefined,
  entry: ListedEntry,
  decision: SyncDecision,
  now: number,
): Promise<boolean> {
  switch (decision.kind) {
    case 'unchanged':
    case 'still_invalid':
      return true;
    case 'create':
      return store.create(entry, now);
    case 'update':
      return store.applyListed(entry, { expectedVersion: stored?.version ?? 0, ...decision, activate: false, now });
    case 'heal':
      return store.applyListed(entry, { expectedVersion: stored?.version ?? 0, ...decision, activate: 'healed', now });
    case 'relisted':
      return store.clearAbsence(entry);
    case 'reactivate':
      return store.applyListed(entry, {
        expectedVersion: stored?.version ?? 0,
        ...decision,
        activate: 'reauthorized',
        now,
      });
  }
}

function count(decision: SyncDecision, tally: Tally): void {
  const field = (
    {
      create: 'added',
      unchanged: 'unchanged',
      still_invalid: 'unchanged',
      update: 'updated',
      heal: 'healed',
      reactivate: 'reactivated',
      relisted: 'relisted',
    } as const
  )[decision.kind];
  tally[field]++;
}
