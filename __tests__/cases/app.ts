/** SdkAppid: the app the callback is for. */
import { type Case, fail, OK, OTHER_APP_ID, type RecallKind, SDK_APP_ID } from './support';

export function appCases({ label, query, body }: RecallKind): Case[] {
  return [
    {
      name: label + '403 when SdkAppid is missing',
      query: query({ SdkAppid: undefined }),
      body: body(),
      expected: fail(403, 'missing SdkAppid'),
    },
    {
      name: label + '403 when SdkAppid is given twice',
      query: query({ SdkAppid: [String(SDK_APP_ID), String(SDK_APP_ID)] }),
      body: body(),
      expected: fail(403, 'more than once'),
    },
    {
      name: label + '403 when SdkAppid is another app',
      query: query({ SdkAppid: String(OTHER_APP_ID) }),
      body: body(),
      expected: fail(403, 'not this app'),
    },
    {
      name: label + '403 when SdkAppid is empty',
      query: query({ SdkAppid: '' }),
      body: body(),
      expected: fail(403, 'not this app'),
    },
    {
      name: label + '403 before the body is read: an invalid body with a wrong SdkAppid',
      query: query({ SdkAppid: String(OTHER_APP_ID) }),
      body: '{not json',
      expected: fail(403, 'not this app'),
      behindJsonParser: 'rejects',
    },
    {
      name: label + 'accepts any app of an array of sdkAppIds',
      options: { sdkAppId: [OTHER_APP_ID, String(SDK_APP_ID)] },
      query: query(),
      body: body(),
      expected: OK,
    },
    {
      name: label + 'accepts a numeric-string sdkAppId',
      options: { sdkAppId: String(SDK_APP_ID) },
      query: query(),
      body: body(),
      expected: OK,
      checkEvent: (event) => expect(event.sdkAppId).toBe(String(SDK_APP_ID)),
    },
  ];
}
