'use strict';
// `npm run sandbox` stops the sandbox when the npm process itself gets SIGINT or SIGTERM (npm passes the signal to
// its child; the script must exec node so that the child is the sandbox, not a shell that dies alone).

const { signalNpmScript } = require('../../n8n-harness/signals');
const { freePort } = require('../../n8n-harness/proc');

describe('npm run sandbox', () => {
	test.each(['SIGTERM', 'SIGINT'])('%s to the npm process stops the sandbox', async (signal) => {
		const port = await freePort();
		const r = await signalNpmScript('sandbox', ['--port', String(port)], { ready: /listening on http:\/\/127\.0\.0\.1:\d+/, signal, ports: [port], graceMs: 10_000 });
		expect(r.output).toContain(`listening on http://127.0.0.1:${port}/api/v1`);
		expect(r.listening).toEqual([]);
	}, 60_000);
});
