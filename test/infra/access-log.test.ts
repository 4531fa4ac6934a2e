import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokensApi } from '../../infra/api.js';
import { HTTP_API_CONTEXT_VARIABLES } from '../fixtures/http-api-context-variables.js';

const documented = new Set(HTTP_API_CONTEXT_VARIABLES);

/** The variables of free text (an error message): quoted by hand, a `"` in them would break the line. */
const FREE_TEXT = ['$context.error.message', '$context.integrationErrorMessage', '$context.integration.error'];

/**
 * The variables of free text, and the pre-quoted form of one, which is not documented for a request
 * without an error (a bare `-` there would break every successful line).
 */
const UNSAFE = [...FREE_TEXT, '$context.error.messageString'];

/** The line API Gateway writes for `format`: each variable replaced by `value`, as it is. */
function substitute(format: string, value: string): string {
  return format.replace(/\$context\.[A-Za-z0-9.]*[A-Za-z0-9]/g, () => value);
}

/** Every `$context.…` variable a format names. */
function contextVariables(format: string): string[] {
  return [...format.matchAll(/\$context\.[A-Za-z0-9.]*[A-Za-z0-9]/g)].map((match) => match[0]);
}

/** The variables of `format` AWS does not document for HTTP APIs (what would make API Gateway refuse the stage). */
function undocumented(format: string): string[] {
  return contextVariables(format).filter((variable) => !documented.has(variable));
}

/** The stage's format as CloudFormation receives it: AWS::ApiGatewayV2::Stage AccessLogSettings.Format. */
function synthesizedFormat(): string {
  const stack = new Stack();
  const fake = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_LATEST,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  tokensApi(stack, {
    functions: { getter: fake('Getter'), callback: fake('Callback'), onboarding: fake('Onboarding') },
    throttle: { rateLimit: 1, burstLimit: 1 },
    callbackThrottle: { rateLimit: 1, burstLimit: 1 },
    onboardingThrottle: { rateLimit: 1, burstLimit: 1 },
    retention: logs.RetentionDays.ONE_DAY,
  });
  const stages = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Stage'));
  expect(stages).toHaveLength(1);
  const format: unknown = stages[0]?.['Properties']?.['AccessLogSettings']?.['Format'];
  expect(typeof format).toBe('string');
  return String(format);
}

describe("the HTTP API's access log format", () => {
  let format: string;

  beforeAll(() => {
    format = synthesizedFormat();
  });

  it('names only variables AWS documents for HTTP APIs', () => {
    expect(undocumented(format)).toEqual([]);
    expect(contextVariables(format).length).toBeGreaterThan(0);
  });

  it('records the route, the path with the appid, the status and the integration outcome', () => {
    const variables = new Set(contextVariables(format));
    for (const variable of [
      '$context.requestId',
      '$context.requestTime',
      '$context.requestTimeEpoch',
      '$context.routeKey',
      '$context.path',
      '$context.status',
      '$context.responseLength',
      '$context.integrationStatus',
      '$context.awsEndpointRequestId',
      '$context.error.responseType',
      '$context.identity.sourceIp',
      '$context.protocol',
    ]) {
      expect(variables.has(variable), variable).toBe(true);
    }
  });

  it("records the caller's IAM identity: the audit trail of who read which token", () => {
    const variables = new Set(contextVariables(format));
    for (const variable of [
      '$context.identity.userArn',
      '$context.identity.caller',
      '$context.identity.accountId',
      '$context.identity.principalOrgId',
    ]) {
      expect(variables.has(variable), variable).toBe(true);
    }
  });

  it('is one JSON object per request, whatever API Gateway substitutes (`-` for a value it lacks)', () => {
    for (const value of ['-', '200', 'arn:aws:sts::123456789012:assumed-role/backend/session', '']) {
      const parsed: unknown = JSON.parse(substitute(format, value));
      expect(typeof parsed).toBe('object');
      expect(Object.values(parsed as Record<string, unknown>).every((field) => field === value)).toBe(true);
    }
  });

  it('names no free text (an error message), quoted or pre-quoted: API Gateway cannot escape it', () => {
    for (const variable of UNSAFE) expect(contextVariables(format)).not.toContain(variable);
    // The format itself is JSON (cdk-nag's Serverless-APIGWStructuredLogging holds, unacknowledged).
    expect(typeof JSON.parse(format)).toBe('object');
  });

  // The check itself: the format this stage had before (CDK's REST-API standard fields) is refused.
  it("refuses CDK's REST-API standard fields, which name $context.resourcePath", () => {
    const rest = AccessLogFormat.jsonWithStandardFields().toString();
    expect(undocumented(rest)).toEqual(['$context.resourcePath']);
  });
});
