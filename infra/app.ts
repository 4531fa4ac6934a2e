// The CDK app (`npx cdk synth`, `npx cdk deploy`): one stack, checked by cdk-nag.
import { App } from 'aws-cdk-lib';
import { addNagChecks } from './checks.js';
import { WechatAuthorizerTokensStack } from './stack.js';

const app = new App();
const componentAppId = app.node.tryGetContext('componentAppId') ?? process.env['WECHAT_COMPONENT_APPID'];
if (typeof componentAppId !== 'string' || !/^wx[0-9a-f]{16}$/.test(componentAppId)) {
  throw new Error('set the component AppId: npx cdk deploy -c componentAppId=wx0123456789abcdef');
}
new WechatAuthorizerTokensStack(app, 'WechatAuthorizerTokens', { componentAppId });
addNagChecks(app);
app.synth();
