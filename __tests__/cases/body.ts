/** The body: its size, encoding, content type and JSON. */
import { type Case, fail, OK, type RecallKind } from './support';

export function bodyCases({ label, query, body }: RecallKind): Case[] {
  return [
    {
      name: label + '413 when the body is over the limit',
      options: { limit: 300 },
      query: query(),
      body: body({ Padding: 'x'.repeat(400) }),
      expected: fail(413, 'larger than the limit'),
    },
    {
      name: label + 'accepts a body exactly at the limit',
      options: { limit: Buffer.byteLength(body({ Padding: 'x' })) },
      query: query(),
      body: body({ Padding: 'x' }),
      expected: OK,
    },
    {
      name: label + '413 with a size string limit',
      options: { limit: '1kb' },
      query: query(),
      body: body({ Padding: 'é'.repeat(600) }),
      expected: fail(413, 'larger than the limit'),
    },
    {
      name: label + '400 on invalid JSON',
      query: query(),
      body: '{"CallbackCommand": ',
      expected: fail(400, 'not valid JSON'),
      behindJsonParser: 'rejects',
    },
    {
      name: label + '400 on an empty body',
      query: query(),
      body: '',
      expected: fail(400, 'empty body'),
      behindJsonParser: { errorInfo: 'CallbackCommand is required' },
    },
    {
      name: label + '400 on a body of whitespace',
      query: query(),
      body: '  \n ',
      expected: fail(400, 'empty body'),
      behindJsonParser: 'rejects',
    },
    {
      name: label + '400 on a JSON array',
      query: query(),
      body: '[{"GroupId":"g"}]',
      expected: fail(400, 'not a JSON object'),
    },
    {
      name: label + '400 on a JSON string',
      query: query(),
      body: '"Group.CallbackAfterRecallMsg"',
      expected: fail(400, 'not a JSON object'),
      behindJsonParser: 'rejects',
    },
    {
      name: label + '400 on JSON null',
      query: query(),
      body: 'null',
      expected: fail(400, 'not a JSON object'),
      behindJsonParser: 'rejects',
    },
    {
      name: label + 'reads a body that starts with a byte order mark',
      query: query(),
      body: '\ufeff' + body(),
      expected: OK,
    },
  ];
}
