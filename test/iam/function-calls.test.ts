// Every DynamoDB and Secrets Manager call each function makes in a recorded day is allowed by that
// function's role as synthesized (iam-simulate on the template's resolved policies), and every action
// the role is granted on the table, its indexes and the secret is one the function was seen to make.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../infra/construct.js';
import { useDynalite } from '../support/dynalite-fixture.js';
import { type RecordedDay, recordDay } from '../support/iam/recorded-day.js';
import type { RolePolicies } from '../support/iam/role-policies.js';
import { actionsGrantedOn, decide } from '../support/iam/simulate.js';
import { HUB_DEPLOYMENT, type SynthesizedHub, synthesizeHub } from '../support/iam/synth-hub.js';

const FUNCTIONS: readonly FunctionName[] = ['sync', 'refresh', 'getter', 'callback'];

/**
 * Granted, and never used by the function in the day. Each is a finding for the construct's grants
 * (infra/construct.ts) to drop; the assertion is on the exact list, so that fixing one fails this test
 * until it is taken off, and a new unused grant fails it too.
 */
/**
 * Made by the function in the day, and refused by its role: in AWS the call fails with AccessDenied.
 * Each is a finding for infra/construct.ts's grants; the assertion is on the exact list.
 */
// Calls a function makes that its role refuses, and actions granted that no function uses: none. (The
// review that added this test found the callback's PutItem refused and DescribeSecret granted unused.)
const KNOWN_REFUSED: readonly string[] = [];
const KNOWN_UNUSED: readonly string[] = [];

describe("the functions' roles against the calls they make (a recorded day, evaluated by an IAM simulator)", () => {
  const dynamo = useDynalite();
  let synthesized: SynthesizedHub;
  let day: RecordedDay;
  const roles = new Map<FunctionName, RolePolicies>();
  /** The product's resources a function's data grants name, by the kind the findings are written with. */
  let resources: { kind: string; arn: string }[] = [];

  beforeAll(async () => {
    synthesized = synthesizeHub();
    for (const fn of FUNCTIONS) roles.set(fn, synthesized.functionPolicies(fn));
    const { ids, template } = synthesized.policies;
    resources = Object.entries(template.Resources).flatMap(([id, resource]) => {
      if (resource.Type === 'AWS::SecretsManager::Secret') return [{ kind: 'secret', arn: ids.ref(id) }];
      if (resource.Type !== 'AWS::DynamoDB::Table') return [];
      const table = ids.getAtt(id, 'Arn');
      const indexes = (resource.Properties?.['GlobalSecondaryIndexes'] as { IndexName: string }[] | undefined) ?? [];
      return [
        { kind: 'table', arn: table },
        ...indexes.map(({ IndexName }) => ({ kind: `index ${IndexName}`, arn: `${table}/index/${IndexName}` })),
      ];
    });
    day = await recordDay(dynamo(), HUB_DEPLOYMENT, (fn) => synthesized.functionEnvironment(fn));
  }, 120_000);

  const role = (fn: FunctionName): RolePolicies => {
    const found = roles.get(fn);
    if (!found) throw new Error(`no role for ${fn}`);
    return found;
  };
  const kindOf = (arn: string) => resources.find((resource) => resource.arn === arn)?.kind ?? arn;

  it('the day drives every path a grant is for: each function, the 61023 recovery by the refresh, a revocation by the sync', () => {
    for (const fn of FUNCTIONS) expect(day.invocations[fn], fn).toBeGreaterThan(0);
    // The refresh's own 61023, and the getter's, each recovered by the refresh's sync.
    expect(day.exercised.refreshRecoveries).toBeGreaterThanOrEqual(2);
    expect(day.exercised.revokedBySync).toBeGreaterThanOrEqual(1);
    for (const fn of FUNCTIONS) {
      const actions = day.recorder.distinct(fn).map((call) => call.action);
      expect(actions, fn).toContain('secretsmanager:GetSecretValue');
    }
  });

  it("every call a function made is allowed by its own role, on the template's own table, index and secret", async () => {
    const refused: string[] = [];
    for (const fn of FUNCTIONS) {
      for (const call of day.recorder.distinct(fn)) {
        const decision = await decide(role(fn), call);
        if (decision !== 'Allowed') refused.push(`${fn} ${call.action} ${kindOf(call.resource)}: ${decision}`);
      }
    }
    expect(refused).toEqual(KNOWN_REFUSED);
    // The calls were on the resources the template names (the environment's table and secret are its own).
    const unknown = day.recorder.calls.filter((call) => !resources.some((resource) => resource.arn === call.resource));
    expect(unknown).toEqual([]);
  });

  it('every action granted on the table, its index and the secret is used by that function in the day (but the known findings)', async () => {
    const unused: string[] = [];
    for (const fn of FUNCTIONS) {
      const used = new Set(day.recorder.distinct(fn).map((call) => `${call.action} ${call.resource}`));
      for (const { kind, arn } of resources) {
        for (const action of actionsGrantedOn(role(fn), arn)) {
          // Granted as written, and not denied as IAM evaluates it: a Deny elsewhere would make it no grant
          // (a grant under conditions, the getter's Scan, is implicitly denied without its condition keys).
          const allowed =
            !action.includes('*') && (await decide(role(fn), { action, resource: arn })) !== 'ExplicitlyDenied';
          if (action.includes('*') || action.startsWith('NotAction:'))
            unused.push(`${fn} ${action} ${kind} (wildcard)`);
          else if (allowed && !used.has(`${action} ${arn}`)) unused.push(`${fn} ${action} ${kind}`);
        }
      }
    }
    expect(unused.sort()).toEqual([...KNOWN_UNUSED].sort());
  });

  it("the functions' roles are read whole: no managed policy from outside the template", () => {
    for (const fn of FUNCTIONS) expect(role(fn).external, fn).toEqual([]);
  });
});
