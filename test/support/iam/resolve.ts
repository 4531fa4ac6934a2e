import { createHash } from 'node:crypto';
import { NamedError } from '../../../shared/errors.js';

/** A synthesized CloudFormation template, as far as the IAM tests read it. */
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** Where the template is deployed: what the pseudo parameters resolve to. */
export interface Deployment {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
}

/** A template value this resolver cannot turn into a concrete one (an intrinsic it does not know). */
export class UnresolvableError extends NamedError {
  constructor(what: string) {
    super(`cannot resolve ${what}`);
  }
}

/** A deterministic fake id of `length` lowercase letters and digits (API ids, secret suffixes). */
function fakeId(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/**
 * What CloudFormation would give `Ref` and `Fn::GetAtt` of each resource, with deterministic fake
 * physical ids: a table name, a secret ARN, an API id, a role name… Types the tests do not care about
 * get a generic name and ARN, so that other resources added to the template still resolve.
 */
export class FakePhysicalIds {
  readonly #template: CfnTemplate;
  readonly #deployment: Deployment;

  constructor(template: CfnTemplate, deployment: Deployment) {
    this.#template = template;
    this.#deployment = deployment;
  }

  #resource(logicalId: string): CfnResource {
    const resource = this.#template.Resources[logicalId];
    if (!resource) throw new UnresolvableError(`a reference to ${logicalId}, which the template does not have`);
    return resource;
  }

  #arn(service: string, rest: string, regional = true): string {
    const { account, region } = this.#deployment;
    return `arn:aws:${service}:${regional ? region : ''}:${account}:${rest}`;
  }

  /** The generated physical name CloudFormation gives a resource without one: stack, logical id, suffix. */
  name(logicalId: string): string {
    return `${this.#deployment.stackName}-${logicalId}-${fakeId(logicalId, 12).toUpperCase()}`;
  }

  ref(logicalId: string): string {
    const { Type } = this.#resource(logicalId);
    const name = this.name(logicalId);
    switch (Type) {
      case 'AWS::SecretsManager::Secret':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::SNS::Topic':
        return this.getAtt(logicalId, 'Arn');
      case 'AWS::ApiGatewayV2::Api':
        return fakeId(logicalId, 10);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.#deployment.region}.amazonaws.com/${this.#deployment.account}/${name}`;
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const { Type } = this.#resource(logicalId);
    const name = this.name(logicalId);
    const { region } = this.#deployment;
    if (attribute === 'Arn' || attribute === 'TopicArn') {
      switch (Type) {
        case 'AWS::DynamoDB::Table':
          return this.#arn('dynamodb', `table/${name}`);
        case 'AWS::SecretsManager::Secret':
          return this.#arn('secretsmanager', `secret:${logicalId}-${fakeId(logicalId, 6)}`);
        case 'AWS::IAM::Role':
          return this.#arn('iam', `role/${name}`, false);
        case 'AWS::IAM::ManagedPolicy':
          return this.#arn('iam', `policy/${name}`, false);
        case 'AWS::Logs::LogGroup':
          return this.#arn('logs', `log-group:${name}:*`);
        case 'AWS::Lambda::Function':
          return this.#arn('lambda', `function:${name}`);
        case 'AWS::SQS::Queue':
          return this.#arn('sqs', name);
        case 'AWS::SNS::Topic':
          return this.#arn('sns', name);
        default: {
          const service = Type.split('::')[1]?.toLowerCase() ?? 'unknown';
          return this.#arn(service, name);
        }
      }
    }
    if (Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') {
      return `https://${this.ref(logicalId)}.execute-api.${region}.amazonaws.com`;
    }
    if (Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiId') return this.ref(logicalId);
    if (Type === 'AWS::SQS::Queue' && attribute === 'QueueName') return name;
    if (Type === 'AWS::SQS::Queue' && attribute === 'QueueUrl') return this.ref(logicalId);
    return `${name}.${attribute}`;
  }
}

/**
 * Resolves the intrinsics of a template value (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split, the pseudo parameters) to concrete values; an intrinsic it does not know throws rather
 * than leaving a policy half resolved.
 */
export function resolver(template: CfnTemplate, deployment: Deployment): (value: unknown) => unknown {
  const ids = new FakePhysicalIds(template, deployment);
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': deployment.region,
    'AWS::AccountId': deployment.account,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': deployment.stackName,
  };
  const ref = (name: string): string => pseudo[name] ?? ids.ref(name);
  const getAtt = (target: string): string => {
    const [logicalId = '', ...attribute] = target.split('.');
    return ids.getAtt(logicalId, attribute.join('.'));
  };
  const text = (value: unknown): string => {
    const resolved = resolve(value);
    if (typeof resolved !== 'string') throw new UnresolvableError(`${JSON.stringify(value)} to a string`);
    return resolved;
  };
  const sub = (args: unknown): string => {
    const [format, variables] = Array.isArray(args) ? args : [args, {}];
    const given = (variables ?? {}) as Record<string, unknown>;
    return String(format).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in given) return text(given[name]);
      return name.includes('.') ? getAtt(name) : ref(name);
    });
  };
  const intrinsics: Record<string, (args: unknown) => unknown> = {
    Ref: (args) => ref(String(args)),
    'Fn::GetAtt': (args) => getAtt(Array.isArray(args) ? args.join('.') : String(args)),
    'Fn::Join': (args) => {
      const [separator, parts] = args as [string, unknown[]];
      return (resolve(parts) as unknown[]).map((part) => text(part)).join(separator);
    },
    'Fn::Sub': sub,
    'Fn::Select': (args) => {
      const [index, list] = args as [number | string, unknown];
      return (resolve(list) as unknown[])[Number(index)];
    },
    'Fn::Split': (args) => {
      const [separator, source] = args as [string, unknown];
      return text(source).split(separator);
    },
  };
  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      const intrinsic = intrinsics[first[0]];
      if (!intrinsic) throw new UnresolvableError(`the intrinsic ${first[0]}`);
      return intrinsic(first[1]);
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, resolve(inner)]));
  }
  return resolve;
}
