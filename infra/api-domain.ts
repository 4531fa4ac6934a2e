import { Annotations, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import type { WechatAuthorizerTokensProps } from './props.js';

/**
 * The API on its custom domain: an API Gateway (regional) domain name with the certificate, and the
 * `$default` stage mapped at its root, so that `https://<domainName>/authorize` is the onboarding page.
 * The DNS record (a CNAME of `domainName` to `regionalDomainName`) is the deployer's.
 */
export function apiDomain(
  scope: Construct,
  domain: NonNullable<WechatAuthorizerTokensProps['domain']>,
  api: { api: apigw.HttpApi; stage: apigw.HttpStage },
): apigw.DomainName {
  const name = new apigw.DomainName(scope, 'ApiDomain', {
    domainName: domain.domainName,
    certificate: domain.certificate,
    securityPolicy: apigw.SecurityPolicy.TLS_1_2,
  });
  // The L2 names the stage `$default` by its name, not by a reference, and makes the mapping wait for it
  // (test/infra/onboarding-events.test.ts checks that it does: else CloudFormation may map it first).
  new apigw.ApiMapping(scope, 'ApiDomainMapping', { api: api.api, domainName: name, stage: api.stage });
  return name;
}

/**
 * The base of the onboarding links: `https://<domainName>` on a custom domain; otherwise the API's own
 * URL, with a synth warning, since WeChat refuses an authorization page opened from a domain other than
 * the platform's registered one (授权发起页域名), and an execute-api host cannot be registered.
 */
export function onboardingBaseUrl(scope: Construct, domainName: string | undefined, apiUrl: string): string {
  if (domainName !== undefined) return `https://${Token.isUnresolved(domainName) ? domainName : domainName.trim()}`;
  Annotations.of(scope).addWarningV2(
    'wechat-authorizer-tokens:onboardingWithoutDomain',
    "No domain: the onboarding pages are served on the API's execute-api URL, and WeChat refuses an authorization page not opened from the platform's registered authorization domain (授权发起页域名). Give `domain` (docs/deploying.md).",
  );
  return apiUrl;
}

/** A host name API Gateway takes as a custom domain (no scheme, port or path); a token is left to CloudFormation. */
export function domainProblems(domain: WechatAuthorizerTokensProps['domain']): string[] {
  if (domain === undefined || Token.isUnresolved(domain.domainName)) return [];
  const valid = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
  return valid.test(domain.domainName)
    ? []
    : [
        `domain.domainName ${JSON.stringify(domain.domainName)} must be a lowercase host name (no scheme, port or path), e.g. wechat.example.com`,
      ];
}
