import { NamedError } from '../../../shared/errors.js';
import { type CfnTemplate, type Deployment, FakePhysicalIds, resolver } from './resolve.js';

/** One IAM policy document, its intrinsics resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: unknown;
}

/** What a role is allowed: its identity policies, resolved, by name (iam-simulate's input). */
export interface RolePolicies {
  readonly roleArn: string;
  readonly policies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
  /** Managed policies attached by an ARN outside the template (an AWS managed policy): unknown content. */
  readonly external: readonly string[];
}

/** The template's role is not one these tests can read (a role imported by ARN, say). */
export class RoleNotReadableError extends NamedError {}

const refTo = (logicalId: string) => (value: unknown) =>
  typeof value === 'object' && value !== null && (value as { Ref?: unknown }).Ref === logicalId;

/**
 * Reads one template's IAM as deployed: a role's identity policies from every place CloudFormation
 * attaches them (AWS::IAM::Policy and AWS::IAM::ManagedPolicy by `Roles`, the role's `ManagedPolicyArns`
 * and inline `Policies`), and a Lambda's role and environment, all resolved to concrete values with
 * fake physical ids.
 */
export class TemplatePolicies {
  readonly template: CfnTemplate;
  readonly deployment: Deployment;
  readonly ids: FakePhysicalIds;
  readonly resolve: (value: unknown) => unknown;

  constructor(template: CfnTemplate, deployment: Deployment) {
    this.template = template;
    this.deployment = deployment;
    this.ids = new FakePhysicalIds(template, deployment);
    this.resolve = resolver(template, deployment);
  }

  #properties(logicalId: string, type: string): Readonly<Record<string, unknown>> {
    const resource = this.template.Resources[logicalId];
    if (resource?.Type !== type) throw new RoleNotReadableError(`${logicalId} is not an ${type} of the template`);
    return resource.Properties ?? {};
  }

  #ofType(type: string): [string, Readonly<Record<string, unknown>>][] {
    return Object.entries(this.template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]) => [id, resource.Properties ?? {}]);
  }

  #document(value: unknown): PolicyDocument {
    return this.resolve(value) as PolicyDocument;
  }

  /** The identity policies of the role `roleLogicalId`. */
  rolePolicies(roleLogicalId: string): RolePolicies {
    const role = this.#properties(roleLogicalId, 'AWS::IAM::Role');
    const isThisRole = refTo(roleLogicalId);
    const policies: { name: string; policy: PolicyDocument }[] = [];
    for (const [id, properties] of this.#ofType('AWS::IAM::Policy')) {
      if (((properties['Roles'] as unknown[] | undefined) ?? []).some(isThisRole)) {
        policies.push({ name: id, policy: this.#document(properties['PolicyDocument']) });
      }
    }
    const attached = new Set<string>();
    for (const [id, properties] of this.#ofType('AWS::IAM::ManagedPolicy')) {
      if (((properties['Roles'] as unknown[] | undefined) ?? []).some(isThisRole)) attached.add(id);
    }
    const external: string[] = [];
    for (const arn of (role['ManagedPolicyArns'] as unknown[] | undefined) ?? []) {
      const local = Object.keys(this.template.Resources).find((id) => refTo(id)(arn));
      if (local) attached.add(local);
      else external.push(String(this.resolve(arn)));
    }
    for (const id of attached) {
      const properties = this.#properties(id, 'AWS::IAM::ManagedPolicy');
      policies.push({ name: id, policy: this.#document(properties['PolicyDocument']) });
    }
    for (const inline of (role['Policies'] as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []) {
      policies.push({ name: `${roleLogicalId}/${inline.PolicyName}`, policy: this.#document(inline.PolicyDocument) });
    }
    return { roleArn: this.ids.getAtt(roleLogicalId, 'Arn'), policies, external };
  }

  /** The role of the Lambda `functionLogicalId`, found by its `Role` property. */
  functionRole(functionLogicalId: string): string {
    const role = this.#properties(functionLogicalId, 'AWS::Lambda::Function')['Role'];
    const target = (role as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
    const [logicalId] = Array.isArray(target) ? target : String(target ?? '').split('.');
    if (typeof logicalId !== 'string' || !this.template.Resources[logicalId]) {
      throw new RoleNotReadableError(`${functionLogicalId}'s role is not a role of this template`);
    }
    return logicalId;
  }

  /** The environment the template gives the Lambda `functionLogicalId`, resolved. */
  functionEnvironment(functionLogicalId: string): Record<string, string> {
    const environment = this.#properties(functionLogicalId, 'AWS::Lambda::Function')['Environment'] as
      | { Variables?: Record<string, unknown> }
      | undefined;
    return Object.fromEntries(
      Object.entries(environment?.Variables ?? {}).map(([name, value]) => [name, String(this.resolve(value))]),
    );
  }
}
