/** The WeChat endpoints the simulator serves, named by their last path segment. */
export const COMPONENT_ENDPOINTS = [
  'api_component_token',
  'api_get_authorizer_list',
  'api_authorizer_token',
  'api_query_auth',
  'api_get_authorizer_info',
  'api_create_preauthcode',
  'api_start_push_ticket',
] as const;

export type ComponentEndpoint = (typeof COMPONENT_ENDPOINTS)[number];
/** get_api_domain_ip: an ordinary API called with an authorizer's own token, to see that it works. */
export type Endpoint = ComponentEndpoint | 'get_api_domain_ip';

export function isComponentEndpoint(name: string): name is ComponentEndpoint {
  return (COMPONENT_ENDPOINTS as readonly string[]).includes(name);
}
