// The CDK app (`npx cdk synth`, `npx cdk deploy`): one stack, checked by cdk-nag.
//   npx cdk deploy -c componentAppId=wx0123456789abcdef [-c alarmEmail=ops@example.com]
import { App } from 'aws-cdk-lib';
import { isAppId } from '../shared/appid.js';
import { addNagChecks } from './checks.js';
import { WechatAuthorizerTokensStack } from './stack.js';

const app = new App();
const context = (name: string, env: string): unknown => app.node.tryGetContext(name) ?? process.env[env];
const componentAppId = context('componentAppId', 'WECHAT_COMPONENT_APPID');
if (typeof componentAppId !== 'string' || !isAppId(componentAppId)) {
  throw new Error('set the component AppId: npx cdk deploy -c componentAppId=wx0123456789abcdef');
}
// Who is told when an alarm fires (SNS sends the address a confirmation to accept first).
const alarmEmail = context('alarmEmail', 'WECHAT_ALARM_EMAIL');
if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(alarmEmail))) {
  throw new Error('alarmEmail must be an email address: npx cdk deploy -c alarmEmail=ops@example.com');
}
new WechatAuthorizerTokensStack(app, 'WechatAuthorizerTokens', {
  componentAppId,
  ...(alarmEmail ? { alarmEmail } : {}),
});
addNagChecks(app);
app.synth();
