// ErrorCodes of Tencent Chat's server REST API that the client and the fake server both speak.
// Source: the REST API's public error codes (cloud.tencent.com/document/product/269/1671,
// "REST API 公共错误码") and the group API's own codes (/269/2738, /269/1615).

/** The REST API's call rate is over the limit (200 calls a second per API by default). */
export const REST_FREQUENCY_LIMIT = 60007;
/** The SDKAppID's request rate is over the limit. */
export const APP_FREQUENCY_LIMIT = 60011;
/** "Requests too frequent, try again later" (two codes with the same text). */
export const TOO_FREQUENT = 60018;
export const TOO_FREQUENT_RETRY_LATER = 60019;

/** The answers that mean "slow down": the client waits and sends the call again. */
export const FREQUENCY_LIMIT_ERROR_CODES: ReadonlySet<number> = new Set([
  REST_FREQUENCY_LIMIT,
  APP_FREQUENCY_LIMIT,
  TOO_FREQUENT,
  TOO_FREQUENT_RETRY_LATER,
]);

/** The URL or body lacks the account or the signature. */
export const ACCOUNT_OR_SIGNATURE_MISSING = 60004;
/** The URL has no sdkappid. */
export const SDK_APP_ID_REQUIRED = 60012;
/** The SDKAppID is unknown, so the UserSig cannot be checked. */
export const SDK_APP_ID_UNKNOWN = 70020;

/** The request URL does not parse, or names no known API ("请求资源错误"). */
export const HTTP_PARSE_ERROR = 60002;
export const JSON_PARSE_ERROR = 60003;
export const RESOURCE_ERROR = 60009;
/** The `identifier` is not an App admin account. */
export const ADMIN_REQUIRED = 60010;

/** UserSig expired. */
export const USER_SIG_EXPIRED = 70001;
/** UserSig does not decode. */
export const USER_SIG_UNPARSABLE = 70003;
/** UserSig's HMAC does not match: signed with another key. */
export const USER_SIG_MISMATCH = 70009;
/** The `identifier` in the URL is not the one the UserSig was made for. */
export const USER_SIG_IDENTIFIER_MISMATCH = 70013;
/** The `sdkappid` in the URL is not the one the UserSig was made for. */
export const USER_SIG_SDK_APP_ID_MISMATCH = 70014;

/** A request field is missing or invalid (group API). */
export const GROUP_INVALID_PARAMETER = 10004;
/** The operation is not allowed on this group, e.g. history of an AVChatRoom (group API). */
export const GROUP_NO_PERMISSION = 10007;
/** The group does not exist or was disbanded (group API). */
export const GROUP_NOT_FOUND = 10010;
