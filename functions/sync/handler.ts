// The sync Lambda: on an EventBridge schedule, makes DynamoDB's authorizer list match WeChat's.
import type { TokenService } from '../../shared/service.js';
import type { SyncSummary } from '../../shared/sync/index.js';
import { observe } from '../common/lambda-entry.js';
import { serviceFromEnv } from '../common/service-from-env.js';
import { createSync } from './sync.js';

const observed = observe('sync');
let service: TokenService | undefined;
const sync = createSync(() => (service ??= serviceFromEnv(observed)));

export const handler = observed.entry<unknown, SyncSummary>((event) => sync(event));
