// The package as another team gets it: packed by npm, installed from the tarball into a copy of
// examples/consumer (a stock `cdk init app` layout) in a clean folder, offline from npm's cache, then
// type-checked and synthesized there.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustRun } from '../support/run-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FUNCTIONS = ['sync', 'refresh', 'getter', 'callback'] as const;
const GRANTED = ['wx1111111111111111', 'wx2222222222222222'];
const OFFLINE = ['--prefer-offline', '--no-audit', '--no-fund'];

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
}

const resourcesOf = (template: Template, type: string) =>
  Object.values(template.Resources).filter((resource) => resource.Type === type);

describe('the packed package in a separate CDK app', () => {
  let work: string;
  let tarball: string;
  let tarballBytes: number;
  let entries: string[];
  let consumer: string;
  let installed: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'wat-consumer-'));
    const packs = join(work, 'pack');
    await mkdir(packs);
    // `prepack` builds dist/ (tsc and the four bundles) first.
    await mustRun('npm', ['pack', '--pack-destination', packs, '--silent'], { cwd: root });
    const [name] = (await readdir(packs)).filter((file) => file.endsWith('.tgz'));
    if (!name) throw new Error('npm pack wrote no tarball');
    tarball = join(packs, name);
    tarballBytes = (await stat(tarball)).size;
    entries = (await mustRun('tar', ['-tzf', tarball], { cwd: work })).stdout.split('\n').filter(Boolean);

    consumer = join(work, 'consumer');
    await cp(join(root, 'examples', 'consumer'), consumer, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|cdk\.out)$/.test(source),
    });
    await mustRun('npm', ['install', tarball, ...OFFLINE], { cwd: consumer });
    installed = join(consumer, 'node_modules', 'wechat-authorizer-tokens');
  }, 600_000);

  afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

  it('the tarball holds the compiled package and none of the sources, tests or lock file', () => {
    const files = entries.map((entry) => entry.replace(/^package\//, ''));
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((file) => /(^|\/)package-lock\.json$/.test(file))).toEqual([]);
    expect(files.filter((file) => /^(test|bench|examples|scripts)\/|\.test\.|(^|\/)test\//.test(file))).toEqual([]);
    for (const name of FUNCTIONS) expect(files).toContain(`dist/bundles/${name}/index.mjs`);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/infra/index.js', 'dist/infra/index.d.ts']));
    console.info(`tarball ${(tarballBytes / 1024).toFixed(0)} KB, ${files.length} files`);
  });

  it('each exports entry resolves in Node from the installed package, as ESM and through require()', async () => {
    const probe = `
      const construct = await import('wechat-authorizer-tokens/construct');
      const client = await import('wechat-authorizer-tokens/client');
      const local = await import('wechat-authorizer-tokens/local');
      const required = (await import('node:module')).createRequire(process.cwd() + '/')('wechat-authorizer-tokens/construct');
      console.log(JSON.stringify({
        construct: [typeof construct.WechatAuthorizerTokens, typeof construct.WechatAuthorizerTokensStack],
        client: [typeof client.WechatTokenClient, typeof client.TokenServiceError],
        local: typeof local.startLocalRuntime,
        required: typeof required.WechatAuthorizerTokens,
      }));`;
    const { stdout } = await mustRun('node', ['--input-type=module', '-e', probe], { cwd: consumer });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({
      construct: ['function', 'function'],
      client: ['function', 'function'],
      local: 'function',
      required: 'function',
    });
  }, 60_000);

  it('type-checks (tsc --noEmit, its cdk init tsconfig), the WechatTokenClient call included', async () => {
    await mustRun('npx', ['tsc', '--noEmit'], { cwd: consumer });
  }, 120_000);

  it('synthesizes a Lambda granted exactly the two appids of the imported hub', async () => {
    await mustRun('npx', ['cdk', 'synth', '--quiet', '--output', 'cdk.out'], { cwd: consumer });
    const template = JSON.parse(await readFile(join(consumer, 'cdk.out', 'ConsumerStack.template.json'), 'utf8'));
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    const [backend] = functions;
    if (!backend) throw new Error('no function');
    expect(backend.Properties).toMatchObject({ Runtime: 'nodejs24.x' });
    expect(JSON.stringify(backend.Properties['Environment'])).toContain('TOKEN_API_URL');
    // The policies attached to the function's role (inline or managed) name exactly the two appids.
    const role = JSON.stringify((backend.Properties['Role'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]);
    const policies = JSON.stringify(
      [...resourcesOf(template, 'AWS::IAM::Policy'), ...resourcesOf(template, 'AWS::IAM::ManagedPolicy')]
        .filter((policy) => JSON.stringify(policy.Properties['Roles']).includes(role))
        .map((policy) => policy.Properties['PolicyDocument']),
    );
    expect(policies).toContain('execute-api:Invoke');
    expect([...new Set(policies.match(/wx[0-9a-f]{16}/g))].sort()).toEqual(GRANTED);
    // Nothing of the hub is deployed by the consumer.
    expect(resourcesOf(template, 'AWS::DynamoDB::Table')).toEqual([]);
  }, 240_000);

  it('synthesizes the hub itself from the package, deploying the packed bundles as they are', async () => {
    const hub = ['--app', 'npx tsx bin/hub.ts', '-c', 'componentAppId=wx0123456789abcdef'];
    await mustRun('npx', ['cdk', 'synth', '--quiet', '--output', 'cdk.out.hub', ...hub], { cwd: consumer });
    const out = join(consumer, 'cdk.out.hub');
    const template = JSON.parse(await readFile(join(out, 'WechatAuthorizerTokens.template.json'), 'utf8'));
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    const shipped = await Promise.all(
      FUNCTIONS.map((name) => readFile(join(installed, 'dist', 'bundles', name, 'index.mjs'), 'utf8')),
    );
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
      const asset = fn.Metadata?.['aws:asset:path'] ?? '';
      expect(shipped).toContain(await readFile(join(out, asset, 'index.mjs'), 'utf8'));
    }
  }, 240_000);
});
