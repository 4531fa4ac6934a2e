import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { componentSecretTemplate } from '../shared/secrets.js';
import { TABLE_SCHEMA } from '../shared/store/schema.js';

/**
 * The hub's one table (retained on delete), with its change stream: NEW_AND_OLD_IMAGES, because the
 * lifecycle events are derived from what a write changed (the old image against the new).
 */
export function hubTable(scope: Construct): dynamodb.Table {
  const { partitionKey, dueIndex, timeToLiveAttribute } = TABLE_SCHEMA;
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    timeToLiveAttribute,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  });
  table.addGlobalSecondaryIndex({
    indexName: dueIndex.name,
    partitionKey: { name: dueIndex.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: dueIndex.sortKey, type: dynamodb.AttributeType.NUMBER },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });
  return table;
}

/**
 * A new secret holding the JSON template to fill: this component's AppId and an empty string for each
 * credential, so that what the functions read is JSON from the start and an unfilled field is named.
 */
export function templateSecret(scope: Construct, componentAppId: string): secretsmanager.ISecret {
  // `unsafePlainText`: the template's values are the public AppId and empty placeholders, not secrets;
  // the credentials are put in after the deploy and never appear in the template. CloudFormation
  // writes the value again only when this text changes: when componentAppId changes (a new hub), or if
  // componentSecretTemplate changed, which is why it must not.
  const template = Object.entries(componentSecretTemplate(componentAppId)).map(
    ([field, value]) => [field, SecretValue.unsafePlainText(value)] as const,
  );
  const secret = new secretsmanager.Secret(scope, 'ComponentSecret', {
    description: `WeChat component ${componentAppId}: fill componentAppSecret, messageToken, encodingAesKey (docs/deploying.md)`,
    secretObjectValue: Object.fromEntries(template),
    // Retained like the table: the AppSecret cannot be read again from WeChat, only reset in its console
    // (which breaks every other holder of the old one), so deleting the stack must not delete it.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: "The component AppSecret is reset in WeChat's console by a person; no rotation function can do it.",
  });
  // (A cast: aws-cdk-lib's own types are not written for exactOptionalPropertyTypes.)
  return secret as unknown as secretsmanager.ISecret;
}
