import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GrantError } from './errors.js';
import { IAM_LIMITS, MANAGED_POLICIES_PER_ROLE_CONTEXT } from './iam-limits.js';
import { acknowledgeWildcardArns } from './nag-findings.js';
import { DOCUMENT_FRAME, INVOKE_ACTION, type SizedArn, statementLength } from './policy-size.js';
import { processWideWeakMap } from './shared-state.js';

interface PackedPolicy {
  readonly policy: iam.ManagedPolicy;
  /** Its document's characters once deployed, at worst. */
  size: number;
}

/**
 * The customer managed policies that hold a role's grants of token hubs (of every hub, so that two hubs
 * share them): each filled up to IAM's 6,144 characters, computed with the worst-case lengths of the
 * tokens in its ARNs, then the next one is started. A managed policy does not count against the role's
 * inline 10,240 characters, and a few of them hold hundreds of appids. The synth fails, naming the role,
 * if the role would have more managed policies attached than IAM's quota.
 */
export class RolePolicyPack {
  static of(role: iam.Role): RolePolicyPack {
    let pack = packs.get(role);
    if (!pack) {
      pack = new RolePolicyPack(role);
      packs.set(role, pack);
    }
    return pack;
  }

  readonly #role: iam.Role;
  readonly #policies: PackedPolicy[] = [];
  readonly #granted = new Set<string>();

  private constructor(role: iam.Role) {
    this.#role = role;
    role.node.addValidation({ validate: () => this.#problems() });
  }

  /** The policies created so far, in order. */
  get policies(): readonly iam.ManagedPolicy[] {
    return this.#policies.map(({ policy }) => policy);
  }

  /** Adds the ARNs not yet granted to this role, as few statements in as few policies as fit. */
  grant(grantee: iam.IGrantable, arns: readonly SizedArn[]): iam.Grant {
    const fresh = arns.filter(({ arn }) => !this.#granted.has(arn));
    for (const { arn } of fresh) this.#granted.add(arn);
    let grant: iam.Grant | undefined;
    for (const [packed, chunk] of this.#chunks(fresh)) {
      const into = new PolicyPrincipal(this.#role, packed.policy);
      const resourceArns = chunk.map(({ arn }) => arn);
      const part = iam.Grant.addToPrincipal({ grantee: into, actions: [INVOKE_ACTION], resourceArns });
      acknowledgeWildcardArns(packed.policy, resourceArns, WILDCARD_REASON);
      grant = grant ? grant.combine(part) : part;
    }
    // Every ARN was granted before: the role holds them already.
    return grant ?? iam.Grant.drop(grantee, 'already granted to this role');
  }

  /** Splits `arns` over the last policy's room and new policies, each within the managed policy quota. */
  *#chunks(arns: readonly SizedArn[]): Generator<[PackedPolicy, SizedArn[]]> {
    const rest = [...arns];
    while (rest.length > 0) {
      const last = this.#policies.at(-1);
      const target = last && this.#fits(last, rest.slice(0, 1)) ? last : this.#newPolicy();
      const chunk: SizedArn[] = [];
      while (rest.length > 0 && this.#fits(target, [...chunk, rest[0] as SizedArn])) {
        chunk.push(rest.shift() as SizedArn);
      }
      if (chunk.length === 0) throw new GrantError(`an ARN longer than a managed policy: ${rest[0]?.arn}`);
      target.size += statementLength(chunk);
      yield [target, chunk];
    }
  }

  #fits(packed: PackedPolicy, chunk: readonly SizedArn[]): boolean {
    return packed.size + statementLength(chunk) <= IAM_LIMITS.managedPolicyChars;
  }

  #newPolicy(): PackedPolicy {
    const policy = new iam.ManagedPolicy(this.#role, `WechatTokenGrants${this.#policies.length + 1}`, {
      roles: [this.#role],
      description: `execute-api:Invoke on the WeChat token hub routes granted to this role (${this.#policies.length + 1})`,
    });
    // The document's separators between statements are counted in each statement's length.
    const packed = { policy, size: DOCUMENT_FRAME - 1 };
    this.#policies.push(packed);
    return packed;
  }

  #problems(): string[] {
    const quota = Number(
      this.#role.node.tryGetContext(MANAGED_POLICIES_PER_ROLE_CONTEXT) ?? IAM_LIMITS.managedPoliciesPerRole,
    );
    const attached = attachedManagedPolicies(this.#role);
    if (attached <= quota) return [];
    return [
      `Role ${this.#role.node.path} would have ${attached} managed policies attached, above IAM's quota of ${quota}: its token hub grants (${this.#granted.size} ARNs) take ${this.#policies.length} managed policies of ${IAM_LIMITS.managedPolicyChars} characters. Grant fewer appids, grant every appid (omit the list), or raise the account's quota and set the context '${MANAGED_POLICIES_PER_ROLE_CONTEXT}'.`,
    ];
  }
}

const packs = processWideWeakMap<iam.Role, RolePolicyPack>('rolePolicyPacks');

/** Why the wildcard of each packed ARN is acknowledged (cdk-nag's AwsSolutions-IAM5, finding by finding). */
const WILDCARD_REASON =
  'One ARN per granted appid covering exactly its GET token and POST refresh routes (tested against every route); a grant of every appid is asked for explicitly by omitting the list.';

/** The managed policies attached to `role` in its template: its own `ManagedPolicyArns` and the policies that name it. */
export function attachedManagedPolicies(role: iam.Role): number {
  const stack = Stack.of(role);
  const cfnRole = role.node.defaultChild as iam.CfnRole;
  const arns = stack.resolve(cfnRole.managedPolicyArns) as unknown[] | undefined;
  const roleName = JSON.stringify(stack.resolve(role.roleName));
  const naming = stack.node
    .findAll()
    .filter((construct): construct is iam.CfnManagedPolicy => construct instanceof iam.CfnManagedPolicy)
    .filter((policy) => {
      const roles = stack.resolve(policy.roles) as unknown[] | undefined;
      return (roles ?? []).some((name) => JSON.stringify(name) === roleName);
    });
  return (arns?.length ?? 0) + naming.length;
}

/** The role as a principal whose statements go into one managed policy: what makes an `iam.Grant` of it. */
class PolicyPrincipal implements iam.IPrincipal {
  readonly #role: iam.IRole;
  readonly #policy: iam.ManagedPolicy;

  constructor(role: iam.IRole, policy: iam.ManagedPolicy) {
    this.#role = role;
    this.#policy = policy;
  }

  get grantPrincipal(): iam.IPrincipal {
    return this;
  }

  get assumeRoleAction(): string {
    return this.#role.assumeRoleAction;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.#role.policyFragment;
  }

  get principalAccount(): string | undefined {
    return this.#role.principalAccount;
  }

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.#policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.#policy };
  }
}
