import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { importHub, importHubFromParameters } from '../../infra/hub-reference.js';

// A consumer that runs cdk-nag: the wildcards of the grants packed into a role's managed policies are
// acknowledged by the pack, finding by finding (cdk-nag 3.0.2 matches an acknowledgement's id exactly:
// a bare 'AwsSolutions-IAM5' acknowledges nothing), and nothing else is.

const COMPONENT = 'wx0123456789abcdef';
const APPIDS = ['wx1111111111111111', 'wx2222222222222222'];
const env = { account: '123456789012', region: 'ap-east-1' };

/** The error a synth under AwsSolutions throws, or '' when it passes. */
function nagErrors(build: (stack: Stack) => void): string {
  const app = new App();
  const stack = new Stack(app, 'Consumer', { env });
  build(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return '';
  } catch (error) {
    return String(error);
  }
}

const lambdaRole = (stack: Stack) =>
  new iam.Role(stack, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

describe('cdk-nag on a consumer of the token hub', () => {
  it('finds nothing in a role granted appids, every appid, the component token and the list', () => {
    const errors = nagErrors((stack) => {
      const hub = importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: 'abcde12345' });
      const role = lambdaRole(stack);
      hub.grantTokenRead(role, APPIDS);
      hub.grantTokenReadAll(role);
      hub.grantComponentToken(role);
      hub.grantList(role);
    });
    expect(errors).toBe('');
  });

  it('finds nothing for a hub read from its SSM parameters (the API id a template parameter)', () => {
    const errors = nagErrors((stack) => {
      const hub = importHubFromParameters(stack, 'Hub', COMPONENT);
      hub.grantTokenRead(lambdaRole(stack), APPIDS);
    });
    expect(errors).toBe('');
  });

  it("finds exactly the wildcard of each appid in a user's inline grant, which the consumer acknowledges", () => {
    const errors = nagErrors((stack) => {
      const hub = importHub(stack, 'Hub', { componentAppId: COMPONENT, apiId: 'abcde12345' });
      hub.grantTokenRead(new iam.User(stack, 'Operator'), APPIDS);
    });
    const findings = [...errors.matchAll(/AwsSolutions-IAM5\[[^\]]*\]/g)].map((match) => match[0]);
    expect([...new Set(findings)].sort()).toEqual(
      APPIDS.map(
        (appId) =>
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:ap-east-1:123456789012:abcde12345/$default/*/authorizers/${appId}/token*]`,
      ),
    );
  });
});
