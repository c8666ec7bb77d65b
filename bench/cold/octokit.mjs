// @octokit/webhooks' cold path: import, construct, verify and receive one signed delivery.
const { Webhooks } = await import('@octokit/webhooks');

const webhooks = new Webhooks({ secret: process.env.COLD_TOKEN });
let received = false;
webhooks.on('push', () => {
  received = true;
});
await webhooks.verifyAndReceive({
  id: '1',
  name: 'push',
  payload: process.env.COLD_GITHUB_BODY,
  signature: process.env.COLD_GITHUB_SIGNATURE,
});
if (!received) throw new Error('the push was not received');
