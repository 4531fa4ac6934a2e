import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as cdk from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { WechatAuthorizerTokens, type WechatAuthorizerTokensAttributes } from 'wechat-authorizer-tokens/construct';

export interface ConsumerStackProps extends cdk.StackProps {
  /** The deployed hub: its component appid and its HTTP API's id. */
  readonly hub: WechatAuthorizerTokensAttributes;
  /** The accounts whose tokens the backend may read. */
  readonly appIds: readonly string[];
}

export class ConsumerStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: ConsumerStackProps) {
    super(scope, id, props);
    // Nothing of the hub is deployed here: only its URL and the grants of its routes.
    const hub = WechatAuthorizerTokens.fromAttributes(this, 'Hub', props.hub);
    const backend = new nodejs.NodejsFunction(this, 'Backend', {
      entry: path.join(__dirname, '..', 'lambda', 'backend.ts'),
      runtime: lambda.Runtime.NODEJS_24_X,
      environment: { TOKEN_API_URL: hub.url },
    });
    hub.grantTokenRead(backend, props.appIds);
  }
}
