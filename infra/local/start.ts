// `npm start`: the local runtime. For now it runs the WeChat simulator alone, seeded and on a running
// clock, so that the client (and curl) can be pointed at it; the full local system (dynalite, the API
// routes, the schedules) joins it with its own issue.
import { SimClock, SIMULATOR_CREDENTIALS, WechatSimulator } from './simulator';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a whole number ≥ 0, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const authorizers = intFromEnv('WECHAT_SIM_AUTHORIZERS', 1_200);
const port = intFromEnv('WECHAT_SIM_PORT', 3100);
const callbackUrl = process.env['WECHAT_CALLBACK_URL'] || undefined;

const simulator = await WechatSimulator.start({
  authorizers,
  port,
  clock: new SimClock({ frozen: false }),
  componentAppId: process.env['WECHAT_COMPONENT_APPID'] || SIMULATOR_CREDENTIALS.componentAppId,
  componentAppSecret: process.env['WECHAT_COMPONENT_SECRET'] || SIMULATOR_CREDENTIALS.componentAppSecret,
  messageToken: process.env['WECHAT_MESSAGE_TOKEN'] || SIMULATOR_CREDENTIALS.messageToken,
  encodingAesKey: process.env['WECHAT_ENCODING_AES_KEY'] || SIMULATOR_CREDENTIALS.encodingAesKey,
  callbackUrl,
});

console.log(`WeChat simulator: ${authorizers} authorizers seeded, component ${simulator.crypto.appId}`);
if (callbackUrl) {
  simulator.startTicketPushes(10 * 60_000, (result) => {
    console.log(result instanceof Error ? `ticket push failed: ${result.message}` : `ticket pushed to ${callbackUrl}: HTTP ${result.status}`);
  });
} else {
  console.log('No WECHAT_CALLBACK_URL: tickets are not pushed (set it to receive one every 10 minutes).');
}
console.log(`ready: WeChat simulator at ${simulator.url}`);
console.log(`  curl -s ${simulator.url}/__sim/counters`);
console.log(`  curl -s -X POST '${simulator.url}/cgi-bin/component/api_get_authorizer_list?access_token=bad' -d '{"component_appid":"${simulator.crypto.appId}","offset":0,"count":2}'`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log('stopping');
  simulator.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
