// @octokit/webhooks' Fetch (web) middleware cold path: import, construct, answer one signed
// Request; the counterpart of recall-fetch.cjs, which also builds a Request and a Response.
const { Webhooks, createWebMiddleware } = await import('@octokit/webhooks');

const webhooks = new Webhooks({ secret: process.env.COLD_TOKEN });
webhooks.on('push', () => {});
const middleware = createWebMiddleware(webhooks);
const request = new Request('http://127.0.0.1/api/github/webhooks', {
  method: 'POST',
  body: process.env.COLD_GITHUB_BODY,
  headers: {
    'Content-Type': 'application/json',
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': '1',
    'X-Hub-Signature-256': process.env.COLD_GITHUB_SIGNATURE,
  },
});
const response = await middleware(request);
const answer = await response.text();
if (response.status !== 200) throw new Error(`answered ${response.status} ${answer}`);
