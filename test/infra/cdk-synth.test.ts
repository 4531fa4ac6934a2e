import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('npx cdk synth works with no AWS credentials and no Docker, cdk-nag included', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  try {
    const child = spawn(
      'npx',
      ['cdk', 'synth', '-c', 'componentAppId=wx0123456789abcdef', '--quiet', '--output', out],
      {
        cwd: root,
        env: {
          ...env,
          CDK_DISABLE_VERSION_CHECK: '1',
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          PATH: `/nonexistent-docker:${env['PATH'] ?? ''}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(output).not.toMatch(/^ERROR/m);
    expect(code).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'WechatAuthorizerTokens.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(
      Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function'),
    ).toHaveLength(6);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 180_000);

it('the app refuses to synthesize without a component AppId, saying how to give one', async () => {
  const child = spawn('npx', ['tsx', 'infra/app.ts'], {
    cwd: root,
    env: { ...process.env, WECHAT_COMPONENT_APPID: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).not.toBe(0);
  expect(output).toContain('-c componentAppId=');
}, 60_000);

it('the app subscribes -c alarmEmail to the alarms, and refuses an address that is not one', async () => {
  const synth = async (email: string) => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    const child = spawn('npx', ['tsx', 'infra/app.ts'], {
      cwd: root,
      env: {
        ...process.env,
        CDK_OUTDIR: out,
        CDK_CONTEXT_JSON: JSON.stringify({ componentAppId: 'wx0123456789abcdef', alarmEmail: email }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, output, out };
  };
  const refused = await synth('not an address');
  rmSync(refused.out, { recursive: true, force: true });
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain('alarmEmail must be an email address');
  const accepted = await synth('ops@example.com');
  try {
    expect(accepted.output).not.toMatch(/^ERROR/m);
    expect(accepted.code).toBe(0);
    const template = JSON.parse(readFileSync(join(accepted.out, 'WechatAuthorizerTokens.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const subscriptions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SNS::Subscription');
    expect(subscriptions.map((s) => [s.Properties['Protocol'], s.Properties['Endpoint']])).toEqual([
      ['email', 'ops@example.com'],
    ]);
  } finally {
    rmSync(accepted.out, { recursive: true, force: true });
  }
}, 120_000);
