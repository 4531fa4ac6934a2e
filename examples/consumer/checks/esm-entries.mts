// The package's three entries from an ES module (their `import` condition): the repository's
// test/package/consumer.test.ts type-checks this file under NodeNext and Bundler resolution.
import { App } from 'aws-cdk-lib';
import { WechatTokenClient } from 'wechat-authorizer-tokens/client';
import { type WechatAuthorizerTokensProps, WechatAuthorizerTokensStack } from 'wechat-authorizer-tokens/construct';
import { type LocalRuntime, startLocalRuntime } from 'wechat-authorizer-tokens/local';

const props: WechatAuthorizerTokensProps = { componentAppId: 'wx0123456789abcdef' };
export const stack = new WechatAuthorizerTokensStack(new App(), 'Hub', props);
const client = new WechatTokenClient({ endpoint: 'https://a1b2c3d4e5.example', region: 'ap-east-1' });
export const token: Promise<string> = client.getToken('wx1111111111111111');
export const runtime: Promise<LocalRuntime> = startLocalRuntime({ port: 0, logger: console });
