// Test support only: iam-simulate is AGPL, a devDependency, and never imported by shipped code.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { NamedError } from '../../../shared/errors.js';
import type { PolicyStatement, RolePolicies } from './role-policies.js';

/** iam-simulate refused the request itself (a policy it cannot parse, an ARN of the wrong type). */
export class SimulationInputError extends NamedError {}

/** One request a principal makes: the IAM action, the resource's ARN, and its condition keys if any. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** What IAM answers `role` making `request` in its own account (identity policies only: no resource policy). */
export async function decide(role: RolePolicies, request: IamRequest): Promise<Decision> {
  const account = role.roleArn.split(':')[4] ?? '';
  const response = await runSimulation(
    {
      request: {
        principal: role.roleArn,
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: Object.fromEntries(
          Object.entries(request.context ?? {}).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : [...value],
          ]),
        ),
      },
      identityPolicies: role.policies.map(({ name, policy }) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (response.resultType === 'error') {
    throw new SimulationInputError(`${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult as Decision;
}

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** IAM's ARN pattern match: `*` is every run of characters, `?` one character. */
export function arnMatches(pattern: string, arn: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(arn);
}

/**
 * The actions the role's Allow statements name on `resource` (a statement whose Resource matches it),
 * as written, of the resource's own service: what is granted there, to be checked against what is used. A wildcard action or a
 * NotAction is returned as written, so that the caller sees it rather than a guess at its expansion.
 */
export function actionsGrantedOn(role: RolePolicies, resource: string): string[] {
  const statements: PolicyStatement[] = role.policies.flatMap(({ policy }) => [...policy.Statement]);
  const service = resource.split(':')[2];
  const actions = new Set<string>();
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    const resources = list(statement.Resource);
    const covers =
      resources.some((pattern) => arnMatches(pattern, resource)) ||
      (statement.NotResource !== undefined && !list(statement.NotResource).some((p) => arnMatches(p, resource)));
    if (!covers) continue;
    // Only the resource's own service's actions: the X-Ray statement's `*` resource names no table.
    const ofService = (action: string) => action === '*' || action.split(':')[0] === service;
    for (const action of list(statement.Action).filter(ofService)) actions.add(action);
    for (const action of list(statement.NotAction)) actions.add(`NotAction:${action}`);
  }
  return [...actions].sort();
}
