import { NamedError } from '../shared/errors.js';

/** The base of the errors the CDK code throws on purpose: a synth refused for a named reason. */
export abstract class InfraError extends NamedError {}

/** A grant that names a bad appid, or none, or that IAM's limits could not hold. */
export class GrantError extends InfraError {}

/** An imported hub's attributes that cannot name a deployed hub (a bad component appid or API id). */
export class HubAttributesError extends InfraError {}

/**
 * A grant from an account other than the hub's: HTTP APIs have no resource policy, so such a policy could
 * never be used. The caller assumes a role of the hub's account instead, granted there.
 */
export class CrossAccountGrantError extends GrantError {}

/** The hub's API named from a stack of another region, where its `api-id` parameter does not exist. */
export class CrossRegionGrantError extends GrantError {}

/**
 * The hub's API named from a stack of another Stage: a Stage is its own cloud assembly, deployed on its
 * own, so that stack cannot be made to wait for the hub's. The hub is imported in that Stage instead.
 */
export class CrossStageGrantError extends GrantError {}

/** A route of `ROUTES` without an authorizer whose handler has no reason to answer unsigned requests. */
export class UnsignedRouteError extends InfraError {}

/** An event rule of the hub that could never match (a detail-type the hub does not publish). */
export class EventRuleError extends InfraError {}
