import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WechatAuthorizerTokens, type WechatAuthorizerTokensProps } from './construct.js';

/** The deployable stack: the construct, nothing else. */
export class WechatAuthorizerTokensStack extends Stack {
  readonly tokens: WechatAuthorizerTokens;

  constructor(scope: Construct, id: string, props: StackProps & WechatAuthorizerTokensProps) {
    super(scope, id, props);
    this.tokens = new WechatAuthorizerTokens(this, 'Tokens', props);
  }
}
