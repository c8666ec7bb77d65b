// Tencent's documented call rates for the REST API (per API, per app).

/** Every API's default: 200 calls a second. */
export const DEFAULT_CALLS_PER_SECOND = 200;

/** APIs documented with a lower rate. get_appid_group_list: 1 call a second (/269/1614). */
export const DOCUMENTED_CALLS_PER_SECOND: Readonly<Record<string, number>> = {
  'group_open_http_svc/get_appid_group_list': 1,
};
