// What a Fetch handler's cold path costs without any handler: a Request in, its body read, a JSON
// Response out and read, as recall-fetch.cjs and octokit-web.mjs do around their handlers. It is
// what a platform that hands Requests to a handler pays anyway.
(async () => {
  const request = new Request(`http://127.0.0.1${process.env.COLD_PATH}`, {
    method: 'POST',
    body: process.env.COLD_BODY,
  });
  JSON.parse(await request.text());
  const response = new Response(JSON.stringify({ ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 }), {
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  await response.text();
})();
