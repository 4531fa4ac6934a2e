// The onboarding Lambda: sessions and bare links (IAM), the authorize page and WeChat's redirect (public).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { OnboardingService } from '../../shared/onboarding-service.js';
import type { HttpResponse } from '../common/http.js';
import { observe } from '../common/lambda-entry.js';
import { partsFromEnv } from '../common/service-from-env.js';
import { createOnboarding } from './onboarding.js';

const observed = observe('onboarding');
let service: OnboardingService | undefined;
const onboarding = createOnboarding(() => (service ??= new OnboardingService(partsFromEnv(observed))), observed.logger);

/** Each line says which route it served and API Gateway's request id (the access log's); never the session id. */
export const handler = observed.entry<APIGatewayProxyEventV2, HttpResponse>(
  (event) => onboarding(event),
  (event) => ({ route: event.routeKey, correlation_id: event.requestContext?.requestId }),
);
