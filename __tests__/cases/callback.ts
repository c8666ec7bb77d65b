/** The handler's outcome. */
import { type Case, fail, OK, type RecallKind } from './support';

export function callbackCases({ label, query, body }: RecallKind): Case[] {
  return [
    { name: label + 'OK when onRecall resolves', behaviour: 'resolve', query: query(), body: body(), expected: OK },
    {
      name: label + '500 with a generic ErrorInfo when onRecall throws',
      behaviour: 'throw',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
    {
      name: label + '500 with a generic ErrorInfo when onRecall rejects',
      behaviour: 'reject',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
    {
      name: label + '500 when onRecall rejects with a string',
      behaviour: 'reject-string',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
    {
      name: label + '500 when onRecall throws a plain object',
      behaviour: 'throw-object',
      query: query(),
      body: body(),
      expected: { ...fail(500, 'the recall handler failed'), called: true, onErrorStage: 'callback' },
    },
  ];
}
