// Issue 14, point 5: actions no function uses are not granted. The scheduled functions' on-failure
// destination granted sqs:GetQueueAttributes and sqs:GetQueueUrl beside SendMessage (aws-lambda-
// destinations' SqsDestination), and issue 13 removed secretsmanager:DescribeSecret; both stay gone.
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../infra/construct.js';
import { SendOnlyQueueDestination } from '../../infra/failure-destination.js';
import type { RolePolicies } from '../support/iam/role-policies.js';
import { decide } from '../support/iam/simulate.js';
import { type SynthesizedHub, synthesizeHub } from '../support/iam/synth-hub.js';

const FUNCTIONS: readonly FunctionName[] = ['sync', 'refresh', 'getter', 'callback'];

const actionsOf = (role: RolePolicies): string[] =>
  role.policies
    .flatMap(({ policy }) => policy.Statement)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      typeof statement.Action === 'string' ? [statement.Action] : [...(statement.Action ?? [])],
    );

describe("the functions' roles grant no action they do not use", () => {
  let synthesized: SynthesizedHub;
  let queueArn = '';
  beforeAll(() => {
    synthesized = synthesizeHub();
    const queueId = synthesized.stack.getLogicalId(synthesized.hub.deadLetterQueue.node.defaultChild as CfnElement);
    queueArn = synthesized.policies.ids.getAtt(queueId, 'Arn');
  });

  it('names no sqs:Get* and no secretsmanager:DescribeSecret: SQS only SendMessage, Secrets Manager only GetSecretValue', () => {
    for (const fn of FUNCTIONS) {
      const actions = actionsOf(synthesized.functionPolicies(fn));
      expect(
        actions.filter((action) => action.startsWith('sqs:') && action !== 'sqs:SendMessage'),
        fn,
      ).toEqual([]);
      expect(
        actions.filter((action) => action.startsWith('secretsmanager:')),
        fn,
      ).toEqual(['secretsmanager:GetSecretValue']);
    }
  });

  it('lets the scheduled functions send their failed runs to the dead-letter queue, and nothing else of it', async () => {
    const request = (action: string) => ({ action, resource: queueArn });
    for (const fn of ['sync', 'refresh'] as const) {
      const role = synthesized.functionPolicies(fn);
      expect(await decide(role, request('sqs:SendMessage')), fn).toBe('Allowed');
      for (const action of ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'])
        expect(await decide(role, request(action)), `${fn} ${action}`).toBe('ImplicitlyDenied');
    }
    // The getter and the callback are invoked synchronously (API Gateway): no destination, no grant.
    for (const fn of ['getter', 'callback'] as const)
      expect(await decide(synthesized.functionPolicies(fn), request('sqs:SendMessage')), fn).toBe('ImplicitlyDenied');
  });

  it('delivers the scheduled functions’ failures to that queue', () => {
    const configs = Object.values(synthesized.policies.template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig',
    );
    expect(configs).toHaveLength(2);
    for (const config of configs) {
      const destination = synthesized.policies.resolve(config.Properties?.['DestinationConfig']);
      expect(destination).toEqual({ OnFailure: { Destination: queueArn } });
    }
  });
});

describe('SendOnlyQueueDestination on a queue under a KMS key', () => {
  it('adds what a producer of the encrypted queue needs on its key, and still no sqs:Get*', () => {
    const stack = new Stack(new App(), 'Encrypted');
    const key = new kms.Key(stack, 'Key');
    const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    fn.configureAsyncInvoke({ onFailure: new SendOnlyQueueDestination(queue) });
    const template = Template.fromStack(stack).toJSON() as {
      Resources: Record<
        string,
        { Type: string; Properties: { PolicyDocument?: { Statement: { Action: string | string[] }[] } } }
      >;
    };
    const actions = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((resource) => resource.Properties.PolicyDocument?.Statement ?? [])
      .flatMap((statement) => (typeof statement.Action === 'string' ? [statement.Action] : statement.Action))
      .sort();
    expect(actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sqs:SendMessage']);
  });
});
