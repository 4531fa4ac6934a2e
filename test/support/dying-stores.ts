import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type AuthorizerExtra,
  type AuthorizerRecord,
  AuthorizerStore,
  Table,
  type TokenStateChange,
} from '../../shared/store/index.js';

/** Which of the renewal protocol's writes a change is. */
export function stepOf(change: TokenStateChange): 'acquire' | 'commit' | 'other' {
  if (change.lease) return 'acquire';
  if (change.accessToken) return 'commit';
  return 'other';
}

/**
 * An authorizer store whose process dies at a chosen step: the write is never made (or, with `after`,
 * made and then its answer lost), and the caller sees the process die.
 */
export function dyingStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  dies: { at: 'acquire' | 'commit'; after?: boolean },
): AuthorizerStore {
  return new (class extends AuthorizerStore {
    override async write(record: AuthorizerRecord, change: TokenStateChange, extra?: AuthorizerExtra) {
      if (stepOf(change) !== dies.at) return super.write(record, change, extra);
      if (dies.after) await super.write(record, change, extra);
      throw new Error('process killed');
    }
  })(new Table(doc, tableName));
}
