// Bare Node starting an ES module: the floor of the ES module scripts (the @octokit/webhooks ones).
