'use strict';
// What the demo and the docs screenshots both need: the Lago sandbox and a fresh n8n editor with this package
// installed as a community package, a Lago credential pointing at the sandbox, and the given workflows imported.

const { startSandbox } = require('../sandbox');
const { ensureN8n, CACHE_DIR } = require('./install');
const { N8nInstance } = require('./instance');
const { currentTarball } = require('./pack');
const { log, freePort } = require('./proc');

/**
 * Starts the sandbox and n8n; each cleanup step is pushed onto `cleanup` as soon as the thing it stops exists.
 * @returns {Promise<{ sb: import('../../sandbox').Sandbox, n8n: N8nInstance, url: string }>}
 */
async function startEditorSession({ flavour, prefix, keep, port, sandboxPort = 0, apiKey, credential, workflows, extraEnv, cleanup }) {
	await ensureN8n(flavour);
	const tarball = await currentTarball();
	const sb = await startSandbox({ port: sandboxPort, apiKey });
	cleanup.push(() => sb.stop());
	log(`Lago sandbox on ${sb.apiUrl}`);
	const n8n = await N8nInstance.create(flavour, { tarball, baseDir: CACHE_DIR, prefix, keep });
	cleanup.push(() => n8n.dispose());
	await n8n.importCredentials([{ ...credential, type: 'lagoApi', data: { region: 'custom', baseUrl: sb.url, apiKey, webhookHmacKey: sb.webhooks.hmacKey } }]);
	await n8n.importWorkflows(workflows);
	// The Lago Trigger registers n8n's production webhook URL in Lago: it must be the address n8n listens on.
	const n8nPort = port || (await freePort());
	const { url } = await n8n.start({ port: n8nPort, extraEnv: { WEBHOOK_URL: `http://127.0.0.1:${n8nPort}/`, ...extraEnv } });
	return { sb, n8n, url };
}

module.exports = { startEditorSession };
