import { createHash } from 'node:crypto';
import type { AuthorizerKind } from '../shared/wechat/results.js';

export type { AuthorizerKind } from '../shared/wechat/results.js';

/**
 * Who a simulated account is, derived from its appid alone (a hash, not the seeded generator): the same
 * appid is always the same account, a snapshot need not carry these fields, and seeding draws exactly
 * what it drew before accounts had information. Only the kind and the granted permission sets can change
 * (they are stored on the record); the rest is a pure function of the appid.
 */

/** WeChat's permission-set ids (funcscope_category.id) an account grants unless told otherwise. */
export const DEFAULT_FUNC_INFO: Readonly<Record<AuthorizerKind, readonly number[]>> = {
  // Messages, users, account services, web pages, mass sends, custom menu.
  official_account: [1, 2, 3, 4, 7, 15],
  // Account management, development management, customer service, open platform account, basic info, data.
  mini_program: [17, 18, 19, 25, 30, 31],
};

const SURNAMES = ['青禾', '远山', '晨光', '海蓝', '星河', '云杉', '白鹭', '松风'];
const TRADES = ['科技', '文化', '餐饮', '书店', '旅行', '咨询', '健身', '花艺'];

function digest(appId: string): Buffer {
  return createHash('sha256').update(appId).digest();
}

/** A quarter of the accounts the simulator invents are mini programs. */
export function defaultKindOf(appId: string): AuthorizerKind {
  return (digest(appId)[0] ?? 0) % 4 === 3 ? 'mini_program' : 'official_account';
}

/** Ascending, each once, as the client keeps them. */
export function normalizeFuncInfo(ids: readonly number[]): number[] {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 1) throw new RangeError('a permission set id is a positive integer');
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** api_get_authorizer_info's `authorizer_info`, as WeChat answers it for this kind of account. */
export function authorizerInfoOf(appId: string, kind: AuthorizerKind): Record<string, unknown> {
  const d = digest(appId);
  const byte = (i: number) => d[i] ?? 0;
  const hex = d.toString('hex');
  const name = `${SURNAMES[byte(1) % SURNAMES.length]}${TRADES[byte(2) % TRADES.length]}`;
  const principal = byte(3) % 5 === 0 ? '个人' : `${name}（深圳）有限公司`;
  const common = {
    nick_name: kind === 'mini_program' ? `${name}小程序` : `${name}服务号`,
    head_img: `http://wx.qlogo.cn/mmopen/${hex.slice(0, 32)}/0`,
    // 0 WeChat-verified, −1 unverified (about one in four).
    verify_type_info: { id: byte(4) % 4 === 0 ? -1 : 0 },
    user_name: `gh_${hex.slice(32, 44)}`,
    qrcode_url: `http://mmbiz.qpic.cn/mmbiz_jpg/${hex.slice(0, 24)}/0`,
    principal_name: principal,
    signature: `${name}，认真做好每一件小事。`,
    business_info: { open_pay: byte(5) % 2, open_shake: 0, open_scan: 0, open_card: byte(6) % 2, open_store: 0 },
    idc: 1,
    account_status: 1,
  };
  if (kind === 'official_account') {
    return {
      ...common,
      // 0 subscription, 1 upgraded subscription, 2 service.
      service_type_info: { id: byte(7) % 3 },
      alias: byte(8) % 3 === 0 ? '' : `${hex.slice(44, 52)}wx`,
    };
  }
  return {
    ...common,
    // Mini programs: 0 for every ordinary one.
    service_type_info: { id: 0 },
    alias: '',
    MiniProgramInfo: {
      network: {
        RequestDomain: [`https://api.${hex.slice(0, 8)}.example.com`],
        WsRequestDomain: [],
        UploadDomain: [],
        DownloadDomain: [],
        UDPDomain: [],
        TCPDomain: [],
      },
      categories: [{ first: '工具', second: byte(9) % 2 === 0 ? '效率' : '信息查询' }],
      visit_status: 0,
    },
    register_type: 0,
    basic_config: { is_phone_configured: true, is_email_configured: byte(10) % 2 === 0 },
  };
}

/** `func_info` as WeChat lists it. */
export function funcInfoAnswer(funcInfo: readonly number[]): Array<{ funcscope_category: { id: number } }> {
  return funcInfo.map((id) => ({ funcscope_category: { id } }));
}
