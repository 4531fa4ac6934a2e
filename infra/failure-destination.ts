import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An asynchronous invocation's destination in an SQS queue, granting the function's role what Lambda
 * uses to deliver there and nothing more: sqs:SendMessage on the queue (Lambda's "Adding a destination"
 * names no other SQS action), and, for a queue under a KMS key, kms:GenerateDataKey and kms:Decrypt on
 * the key (what a producer of an encrypted queue needs). aws-lambda-destinations' SqsDestination grants
 * `queue.grantSendMessages`, which adds sqs:GetQueueAttributes and sqs:GetQueueUrl: an SDK client's
 * needs, not Lambda's.
 */
export class SendOnlyQueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}

/**
 * An event source mapping's on-failure destination in an SQS queue, with the same send-only grant:
 * aws-lambda-event-sources' SqsDlq grants `queue.grantSendMessages` (sqs:GetQueueAttributes and
 * sqs:GetQueueUrl too). For a DynamoDB stream the message is the failed batch's description (shard,
 * sequence numbers, the error), not its records, which stay readable in the stream for 24 hours.
 */
export class SendOnlyEventSourceDestination implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_target: lambda.IEventSourceMapping, fn: lambda.IFunction): lambda.DlqDestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}
