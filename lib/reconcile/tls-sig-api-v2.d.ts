// Tencent's UserSig package ships no types: only what the client uses is declared.
declare module 'tls-sig-api-v2/TLSSigAPIv2.js' {
  export class Api {
    constructor(sdkAppId: number, secretKey: string);
    /** A TLS 2.0 UserSig for `identifier`, valid `expireSeconds` from now (it reads Date.now()). */
    genUserSig(identifier: string, expireSeconds: number): string;
  }
}
