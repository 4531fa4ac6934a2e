import { NamedError } from '../shared/errors.js';

/** The base of the errors the CDK code throws on purpose: a synth refused for a named reason. */
export abstract class InfraError extends NamedError {}

/** A grant that names a bad appid, or none, or that IAM's limits could not hold. */
export class GrantError extends InfraError {}

/** An imported hub's attributes that cannot name a deployed hub (a bad component appid or API id). */
export class HubAttributesError extends InfraError {}
