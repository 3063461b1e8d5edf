'use strict';
// `npm run demo` (build, then n8n 1.x + the Lago sandbox) stops everything when the npm process itself gets SIGTERM or
// SIGINT, as from a process manager or `kill <pid>`, not only on a terminal's Ctrl-C to the whole process group.

const { signalNpmScript } = require('../n8n-harness/signals');
const { freePort } = require('../n8n-harness/proc');

describe('npm run demo', () => {
	test.each(['SIGTERM', 'SIGINT'])('%s to the npm process stops n8n and the sandbox', async (signal) => {
		const n8nPort = await freePort();
		const sandboxPort = await freePort();
		const r = await signalNpmScript('demo', ['--port', String(n8nPort), '--sandbox-port', String(sandboxPort)], {
			ready: /is running \(ready in/,
			signal,
			ports: [n8nPort, sandboxPort],
			readyTimeoutMs: 240_000,
			graceMs: 30_000,
		});
		expect(r.output).toContain(`Editor:         http://127.0.0.1:${n8nPort}/`);
		expect(r.output).toMatch(new RegExp(`${signal}: stopping n8n and the sandbox`));
		expect(r.listening).toEqual([]);
	}, 320_000);
});
