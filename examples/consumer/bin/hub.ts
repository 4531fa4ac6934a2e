#!/usr/bin/env node
// The hub itself, deployed from the package: `npx cdk synth --app "npx tsx bin/hub.ts" -c componentAppId=wx…`.
// Its four functions come pre-bundled inside the package: this synth runs no bundler.
import * as cdk from 'aws-cdk-lib/core';
import { WechatAuthorizerTokensStack } from 'wechat-authorizer-tokens/construct';

const app = new cdk.App();
new WechatAuthorizerTokensStack(app, 'WechatAuthorizerTokens', {
  componentAppId: app.node.getContext('componentAppId'),
});
