import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_IDS, ALARM_RUNBOOK, RUNBOOK_PATH, runbookAnchor } from '../../infra/alarms.js';
import { WechatAuthorizerTokensStack } from '../../infra/stack.js';
import { SETTINGS } from '../../shared/config/settings.js';
import { METRICS_NAMESPACE, metricDimensions } from '../../shared/metrics.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The anchors a Markdown page offers: explicit `id`/`name` attributes, and GitHub's slugs of its headings. */
function anchorsOf(markdown: string): Set<string> {
  const explicit = [...markdown.matchAll(/\b(?:id|name)="([^"]+)"/g)].map((match) => match[1] ?? '');
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((match) =>
    (match[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-'),
  );
  return new Set([...explicit, ...headings]);
}

describe('the alarms and their runbook', () => {
  let descriptions: Map<string, string>;
  let template: Template;

  beforeAll(() => {
    // Bundling skipped: the alarms do not depend on the functions' code.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new WechatAuthorizerTokensStack(app, 'Tokens', { componentAppId: 'wx0123456789abcdef' });
    template = Template.fromStack(stack);
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    descriptions = new Map(
      Object.entries(alarms).map(([logicalId, alarm]) => [logicalId, String(alarm['Properties']['AlarmDescription'])]),
    );
  }, 120_000);

  it('anchors are the ids in lowercase kebab-case', () => {
    expect(runbookAnchor('TicketStale')).toBe('ticket-stale');
    expect(runbookAnchor('RefreshTokenInvalid')).toBe('refresh-token-invalid');
    expect(runbookAnchor('Getter5xx')).toBe('getter5xx');
    expect(ALARM_RUNBOOK.map((entry) => entry.id)).toEqual([...ALARM_IDS]);
  });

  it("every alarm's description ends with the link to its runbook anchor", () => {
    expect(descriptions.size).toBe(ALARM_IDS.length);
    for (const { id, anchor, link } of ALARM_RUNBOOK) {
      expect(link).toBe(`docs/runbook.md#${anchor}`);
      const matching = [...descriptions].filter(([logicalId]) => new RegExp(`Alarms${id}[0-9A-F]{8}$`).test(logicalId));
      expect(matching, id).toHaveLength(1);
      expect(matching[0]?.[1]).toMatch(new RegExp(`\\S Runbook: ${link.replace(/[.#]/g, '\\$&')}$`));
    }
  });

  it("the product's alarms read the dimensions its functions publish, with the AppId their environment gives", () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn['Properties']['Environment']?.['Variables']?.[SETTINGS.componentAppId.env] !== undefined,
    );
    expect(functions).toHaveLength(6);
    const appIds = new Set(
      functions.map((fn) => fn['Properties']['Environment']['Variables'][SETTINGS.componentAppId.env] as string),
    );
    expect([...appIds]).toEqual(['wx0123456789abcdef']);
    const [appId = ''] = appIds;
    const expected = Object.entries(metricDimensions(appId))
      .map(([Name, Value]) => ({ Name, Value }))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const product = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm['Properties']['Namespace'] === METRICS_NAMESPACE,
    );
    expect(product.length).toBeGreaterThan(0);
    for (const alarm of product) expect(alarm['Properties']['Dimensions']).toEqual(expected);
  });

  it('PushUndecryptable: one push signed but not decryptable in five minutes (never a genuine one) pages the operator', () => {
    expect(ALARM_IDS).toContain('PushUndecryptable');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'PushUndecryptable',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const runbook = readFileSync(`${root}${RUNBOOK_PATH}`, 'utf8');
    const entry = runbook.slice(runbook.indexOf('## PushUndecryptable'));
    for (const step of ['encodingAesKey', 'previousEncodingAesKey', '消息加解密Key']) expect(entry).toContain(step);
  });

  it('the events: a publication that failed or an event dropped pages, not only the function failing (a batch item failure is no Lambda error)', () => {
    for (const [metric, periods] of [
      ['LifecycleEventsNotPublished', 2],
      ['LifecycleEventsDropped', 1],
    ] as const)
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: periods,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    const runbook = readFileSync(`${root}${RUNBOOK_PATH}`, 'utf8');
    const entry = runbook.slice(runbook.indexOf('## EventsNotPublished'), runbook.indexOf('## EventsIteratorAge'));
    for (const step of ['stream record not published', 'event dropped', 'stream record dropped', 'sequence number'])
      expect(entry).toContain(step);
    // The old text said the alarm on the function's errors caught refused events, and 20 attempts.
    expect(runbook).not.toMatch(/20 (attempts|retries)/);
  });

  // Fails until docs/runbook.md is written; then it keeps the runbook and the alarms in step.
  it('docs/runbook.md has an anchor for every alarm', () => {
    const path = `${root}${RUNBOOK_PATH}`;
    expect(existsSync(path), `${RUNBOOK_PATH} exists`).toBe(true);
    const anchors = anchorsOf(readFileSync(path, 'utf8'));
    const missing = ALARM_RUNBOOK.filter(({ anchor }) => !anchors.has(anchor)).map(({ anchor }) => anchor);
    expect(missing).toEqual([]);
  });
});
