import type { Duration } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';

/**
 * What a `WechatAuthorizerTokens` is deployed with. Only `componentAppId` is required. The tunables and
 * their ranges are the settings table's (`shared/config/settings.ts`): the construct writes them into the
 * Lambdas' environment, and a value out of range fails the synth, naming the prop.
 */
export interface WechatAuthorizerTokensProps {
  /** The third-party platform's (component's) AppId, e.g. `wx0123456789abcdef`. */
  readonly componentAppId: string;

  /**
   * The secret holding `{componentAppId, componentAppSecret, messageToken, encodingAesKey,
   * previousEncodingAesKey?}`.
   * @default - a new, empty secret, to be filled after the first deploy
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * When the sync lists every authorizer from WeChat and brings the table in line.
   * @default - every hour
   */
  readonly syncSchedule?: events.Schedule;

  /**
   * When the scheduled refresh renews the tokens that are due. A renewal that dies after WeChat answered
   * leaves a token WeChat superseded and keeps for 5 minutes; a run every minute takes its 30-second
   * lease over well within them.
   * @default - every minute
   */
  readonly refreshSchedule?: events.Schedule;

  /**
   * Renewals in flight in a scheduled refresh run (`REFRESH_CONCURRENCY`), from 1 to 64.
   * @default 8
   */
  readonly refreshConcurrency?: number;

  /**
   * Pages of the authorizer list the sync fetches at once (`SYNC_PAGE_CONCURRENCY`), from 1 to 32.
   * @default 4
   */
  readonly syncPageConcurrency?: number;

  /**
   * How long before an authorizer token's expiry the scheduled refresh renews it
   * (`RENEWAL_MARGIN_SECONDS`), whole seconds from 1 minute to 1 hour.
   * @default Duration.minutes(15)
   */
  readonly renewalMargin?: Duration;

  /**
   * How long before its expiry the component access token is renewed (`COMPONENT_TOKEN_MARGIN_SECONDS`),
   * whole seconds from 1 minute to 1 hour.
   * @default Duration.minutes(10)
   */
  readonly componentTokenMargin?: Duration;

  /**
   * The renewal lease (`LEASE_SECONDS`), whole seconds from 20 s to 2 minutes: longer than a renewal's
   * WeChat calls, at most half the window in which a superseded token is still handed out.
   * @default Duration.seconds(30)
   */
  readonly lease?: Duration;

  /**
   * Each getter route's steady rate (requests per second) and burst: every route of the getter has this
   * budget of its own (and the stage has it as its default).
   * @default - 100 requests per second, bursts of 200
   */
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };

  /**
   * The callback route's own steady rate (requests per second) and burst, apart from the getter routes'
   * so that a flood of the unauthenticated callback cannot spend their budget (the account's limit per
   * Region stays shared by every API of the account). WeChat pushes a ticket every 10 minutes and an
   * event per authorization change, and sends a push not answered `success` within 5 seconds again, up
   * to three times: even a hundred thousand accounts changing in one day average about one push a
   * second, so 20 per second leaves twentyfold headroom and a burst of 40 takes WeChat's re-deliveries
   * of a few events at once, while capping the callback invocations (and their log lines) a flood can
   * cost. A push refused by this limit is not lost: WeChat sends the ticket again in 10 minutes (a ticket
   * lasts 12 hours) and the hourly sync finds every authorization change. Lower it under a flood (see
   * docs/deploying.md, "Under a flood").
   * @default - 20 requests per second, bursts of 40
   */
  readonly callbackThrottle?: { readonly rateLimit: number; readonly burstLimit: number };

  /**
   * The steady rate (requests per second) and burst of each public onboarding route (the authorize page
   * and WeChat's redirect back), apart from the IAM routes' budget so that a flood of these
   * unauthenticated pages cannot spend it. A person opens each page once or twice per authorization.
   * @default - 5 requests per second, bursts of 10
   */
  readonly onboardingThrottle?: { readonly rateLimit: number; readonly burstLimit: number };

  /**
   * The API's custom domain: the onboarding pages must be served from the platform's registered
   * authorization domain (授权发起页域名), and WeChat's `redirect_uri` must be on it too, or WeChat refuses
   * the authorization page. The certificate must be in the hub's region (a regional endpoint) and cover
   * `domainName`. Point a CNAME (or an alias) of `domainName` at the `ApiDomainTarget` output.
   * @default - no custom domain: the onboarding pages are on the API's execute-api URL, which WeChat refuses
   */
  readonly domain?: { readonly domainName: string; readonly certificate: acm.ICertificate };

  /**
   * Where an onboarding session may send the browser back to (`return_url`) and where a bare link may
   * have WeChat redirect to (`redirect_uri`): each entry an https origin and a path prefix, no query or
   * fragment (`ONBOARDING_RETURN_URLS`). Checked at synth.
   * @default [] - every session is refused until some are given
   */
  readonly onboardingReturnUrls?: readonly string[];

  /**
   * How long a session's `authorize_url` can be opened (`ONBOARDING_SESSION_SECONDS`), whole seconds from
   * 5 minutes to 1 day.
   * @default Duration.hours(1)
   */
  readonly onboardingSessionDuration?: Duration;

  /**
   * How often at most the sync asks WeChat for one account's information (`ACCOUNT_INFO_REFRESH_SECONDS`),
   * whole seconds from 1 hour to 30 days.
   * @default Duration.days(1)
   */
  readonly accountInfoRefresh?: Duration;

  /**
   * The most api_get_authorizer_info calls one sync makes (`ACCOUNT_INFO_CHECKS_PER_RUN`), from 0 (never)
   * to 100,000.
   * @default 5000
   */
  readonly accountInfoChecksPerRun?: number;

  /**
   * The EventBridge bus the lifecycle events are published to (docs/events.md). A given bus is used as it
   * is: the events function is granted events:PutEvents on it and publishes to it by its ARN. A bus of
   * another account also needs a resource policy letting that role publish, and `addEventRule` refuses it.
   * @default - a new bus, created by the construct
   */
  readonly eventBus?: events.IEventBus;

  /**
   * Where the alarms go.
   * @default - a new SNS topic (enforcing SSL)
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * An email address subscribed to the alarm topic (the recipient confirms the subscription from the
   * mail SNS sends after the deploy).
   * @default - no email subscription
   */
  readonly alarmEmail?: string;

  /**
   * Further subscriptions of the alarm topic (a chat webhook, a pager's endpoint, a queue).
   * @default - none
   */
  readonly alarmSubscriptions?: readonly sns.ITopicSubscription[];

  /**
   * Whether a CloudWatch dashboard of the hub's metrics is created.
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * How long the functions' logs and the API's access logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}
