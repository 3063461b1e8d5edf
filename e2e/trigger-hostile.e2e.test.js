'use strict';
// End to end, issue 19: the Lago Trigger in a running n8n (1.x and 2.x) with real traffic and an unlucky operator.
// - large deliveries: HMAC at the default settings (node version 2); JWT refused 431 by n8n's 16 KB header limit,
//   and accepted once n8n runs with NODE_OPTIONS=--max-http-header-size;
// - another organisation's genuinely signed webhooks start nothing;
// - a retry after an n8n restart starts nothing (records in the workflow's static data);
// - endpoints: moved n8n (new WEBHOOK_URL) updates the same endpoint, someone else's endpoint is left alone;
// - a test listen registers n8n's test URL in Lago and stopping it removes it.

const fs = require('fs');
const path = require('path');
const fx = require('../n8n-harness/fixture');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll } = fx;
const { freePort, sleep } = require('../n8n-harness/proc');
const { N8nRest } = require('../n8n-harness/rest');

const API_KEY = 'e2e-trigger19-key-5e2d';
const HMAC_KEY = 'e2e-org-hmac-key-19-77aa';
const OWNER = { email: 'e2e-trigger19@example.com', password: 'Lago-E2e-Trigger-2026', firstName: 'E2E', lastName: 'Owner' };
const CRED_ID = 'lagoE2eCredT19a1';
const OTHER_ORG = 'b0b00000-0000-4000-8000-000000000002';
const FAILED_EVENTS = 2500;
const LARGE_HEADERS = 'NODE_OPTIONS=--max-http-header-size=1048576';

function triggerWorkflow(id, webhookId, parameters, typeVersion) {
	return {
		id,
		name: `Lago Trigger e2e 19 ${id}`,
		nodes: [
			{
				parameters,
				id: `${id}-node`,
				name: 'Lago Trigger',
				type: 'n8n-nodes-lago.lagoTrigger',
				typeVersion,
				position: [0, 0],
				webhookId,
				credentials: { lagoApi: { id: CRED_ID, name: 'Lago sandbox, trigger 19 (e2e)' } },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

// Version 2 at its defaults: no signatureAlgorithm saved, so 'Automatic' (HMAC, as the credential has the key).
const AUTO_WF = triggerWorkflow('lagoT19Auto00001', 'e2e19e19-0001-4000-8000-00000000b001', { events: ['events.errors', 'invoice.created'], options: {} }, 2);
const JWT_WF = triggerWorkflow('lagoT19Jwt000001', 'e2e19e19-0002-4000-8000-00000000b002', { events: ['events.errors', 'invoice.created'], signatureAlgorithm: 'jwt', options: {} }, 1);
const FOREIGN_WF = triggerWorkflow('lagoT19Foreign01', 'e2e19e19-0003-4000-8000-00000000b003', { events: ['invoice.created'], options: {} }, 2);
const LISTEN_WF = triggerWorkflow('lagoT19Listen001', 'e2e19e19-0004-4000-8000-00000000b004', { events: ['events.errors'], options: {} }, 2);

function failedEvents() {
	const ids = Array.from({ length: FAILED_EVENTS }, (_, i) => `e2e19-txn-${String(i).padStart(5, '0')}-aaaaaaaaaaaaaaaa`);
	return { invalid_code: ids.slice(0, 2000), missing_aggregation_property: ids.slice(2000), missing_group_key: null, invalid_filter_values: [] };
}

describe.each(FLAVOURS)('Lago Trigger under real traffic (issue 19) in %s', (_label, key) => {
	let sb;
	let n8n;
	let rest;
	let baseUrl;

	const hookUrl = (wf, base = baseUrl) => `${base}/webhook/${wf.nodes[0].webhookId}/webhook`;
	const endpoints = () => Array.from(sb.webhooks.endpoints.values());
	const endpointOf = (wf) => endpoints().find((e) => e.webhook_url.replace(/\/$/, '') === hookUrl(wf));

	const executions = (workflowId) => fx.executions(rest, workflowId);
	const expectExecutionCount = (workflowId, count, settleMs) => fx.expectExecutionCount(rest, workflowId, count, settleMs);
	const lastItems = async (workflowId) => fx.itemsOf(await fx.lastRun(rest, n8n, workflowId), 'Lago Trigger');

	async function until(check, timeoutMs = 30_000) {
		const started = Date.now();
		while (!(await check()) && Date.now() - started < timeoutMs) await sleep(200);
		return check();
	}

	async function activate(wf) {
		const current = await rest.getWorkflow(wf.id);
		return rest.request('POST', `/rest/workflows/${wf.id}/activate`, { versionId: current.versionId }, { allow: [400, 500] });
	}

	async function startN8n(extraEnv = {}) {
		const port = await freePort();
		baseUrl = `http://127.0.0.1:${port}`;
		await n8n.start({ port, extraEnv: { WEBHOOK_URL: `${baseUrl}/`, ...extraEnv } });
		rest = new N8nRest(baseUrl);
		await rest.setupOwnerOrLogin(OWNER);
	}

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY, webhookHmacKey: HMAC_KEY },
			credentials: (s) => [lagoCredential(CRED_ID, 'Lago sandbox, trigger 19 (e2e)', s.url, API_KEY, { webhookHmacKey: HMAC_KEY })],
			workflows: [AUTO_WF, JWT_WF, FOREIGN_WF, LISTEN_WF],
		}));
		await startN8n();
		await activate(AUTO_WF);
		await activate(JWT_WF);
		expect(await until(() => Boolean(endpointOf(AUTO_WF) && endpointOf(JWT_WF)))).toBe(true);
	}, 400_000);

	afterAll(async () => {
		await stopAll({ sb, n8n });
	});

	test('HMAC at the default settings: 2,500 failed events in one delivery give 2,500 items, once; JWT at n8n\'s default header limit is refused 431', async () => {
		expect(endpointOf(AUTO_WF).signature_algo).toBe('hmac');
		expect(endpointOf(JWT_WF).signature_algo).toBe('jwt');
		const sent = await sb.webhooks.send('events.errors', 'events_errors', failedEvents(), { repeat: 1 });
		expect(sent.body.length).toBeGreaterThan(70_000);
		const byUrl = Object.fromEntries(sent.deliveries.map((d) => [d.url.replace(/\/$/, ''), d.attempts.map((a) => a.status)]));
		// The HMAC delivery, and Lago sending it again (its answer lost): 200 twice, one run.
		expect(byUrl[hookUrl(AUTO_WF)]).toEqual([200, 200]);
		// JWT: n8n's HTTP server answers 431 before any node runs; Lago tries 3 times, twice over.
		expect(byUrl[hookUrl(JWT_WF)]).toEqual([431, 431, 431, 431, 431, 431]);
		await expectExecutionCount(AUTO_WF.id, 1);
		const items = await lastItems(AUTO_WF.id);
		expect(items).toHaveLength(FAILED_EVENTS);
		expect(items[0]).toMatchObject({ transaction_id: 'e2e19-txn-00000-aaaaaaaaaaaaaaaa', error: 'invalid_code' });
		expect(items[FAILED_EVENTS - 1]).toMatchObject({ transaction_id: 'e2e19-txn-02499-aaaaaaaaaaaaaaaa', error: 'missing_aggregation_property' });
		await expectExecutionCount(JWT_WF.id, 0, 0);
	});

	test('another organisation\'s webhooks, genuinely signed (JWT and HMAC), start nothing', async () => {
		const sent = await sb.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_other_org' }, { organizationId: OTHER_ORG });
		expect(sent.deliveries.map((d) => d.attempts.map((a) => a.status))).toEqual([
			[401, 401, 401],
			[401, 401, 401],
		]);
		await expectExecutionCount(AUTO_WF.id, 1);
		await expectExecutionCount(JWT_WF.id, 0, 0);
		// Ours still runs.
		const ours = await sb.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_ours' });
		expect(ours.deliveries.map((d) => d.attempts.map((a) => a.status))).toEqual([[200], [200]]);
		await expectExecutionCount(AUTO_WF.id, 2);
		await expectExecutionCount(JWT_WF.id, 1, 0);
	});

	test('someone else\'s endpoint for a trigger\'s URL (with a trailing slash) is neither taken over nor deleted; activation says why', async () => {
		const made = await fetch(`${sb.apiUrl}/webhook_endpoints`, {
			method: 'POST',
			headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ webhook_endpoint: { webhook_url: `${hookUrl(FOREIGN_WF)}/`, signature_algo: 'jwt', event_types: ['plan.created'] } }),
		});
		const theirs = (await made.json()).webhook_endpoint;
		const answer = await activate(FOREIGN_WF);
		const said = 'that this trigger did not create';
		expect(await until(() => JSON.stringify(answer.json || '').includes(said) || fs.readFileSync(n8n.logFile, 'utf8').includes(said))).toBe(true);
		expect(endpoints().filter((e) => e.webhook_url.replace(/\/$/, '') === hookUrl(FOREIGN_WF))).toEqual([
			expect.objectContaining({ lago_id: theirs.lago_id, signature_algo: 'jwt', event_types: ['plan.created'] }),
		]);
	});

	test('a test listen registers n8n\'s test URL in Lago, and stopping it removes it', async () => {
		const workflow = await rest.getWorkflow(LISTEN_WF.id);
		const { json } = await rest.request('POST', `/rest/workflows/${LISTEN_WF.id}/run`, { workflowData: workflow, triggerToStartFrom: { name: 'Lago Trigger' } });
		expect(json.data).toMatchObject({ waitingForWebhook: true });
		const testUrl = `${baseUrl}/webhook-test/${LISTEN_WF.nodes[0].webhookId}/webhook`;
		expect(await until(() => endpoints().some((e) => e.webhook_url === testUrl))).toBe(true);
		expect(endpoints().find((e) => e.webhook_url === testUrl)).toMatchObject({ signature_algo: 'hmac', event_types: ['events.errors'] });
		await rest.request('DELETE', `/rest/test-webhook/${LISTEN_WF.id}`);
		expect(await until(() => !endpoints().some((e) => e.webhook_url === testUrl))).toBe(true);
	});

	test('restart with a moved URL and a larger header limit: Lago\'s retry after it starts nothing, the endpoints follow, JWT takes 2,500 failed events', async () => {
		// Lago's first attempt ran; its answer was lost, and the retry comes after n8n restarted.
		const runs = { auto: (await executions(AUTO_WF.id)).length, jwt: (await executions(JWT_WF.id)).length };
		const sent = await sb.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_before_restart' }, { endpointId: endpointOf(AUTO_WF).lago_id });
		expect(sent.deliveries[0].attempts.map((a) => a.status)).toEqual([200]);
		await expectExecutionCount(AUTO_WF.id, runs.auto + 1);
		const before = { auto: endpointOf(AUTO_WF), jwt: endpointOf(JWT_WF), count: endpoints().length };
		const oldBase = baseUrl;
		await n8n.stop();
		await startN8n({ NODE_OPTIONS: LARGE_HEADERS.split('=').slice(1).join('=') });
		expect(baseUrl).not.toBe(oldBase);
		// The retry, as Lago sends it (same unique key, same signed body), to n8n's new URL.
		const retry = await fetch(hookUrl(AUTO_WF), { method: 'POST', headers: sb.webhooks.headersFor(before.auto, sent.body, sent.deliveries[0].webhookId), body: sent.body });
		expect(retry.status).toBe(200);
		// The record the first attempt wrote to the trigger's static data was saved in n8n's database (the node answers
		// the request itself, so n8n 2.x saves it before starting the run) and survived the restart: nothing runs.
		expect(await retry.text()).toBe('{"message":"Already received"}');
		await expectExecutionCount(AUTO_WF.id, runs.auto + 1);
		const moved = () => endpoints().some((e) => e.webhook_url === hookUrl(AUTO_WF)) && endpoints().some((e) => e.webhook_url === hookUrl(JWT_WF));
		if (key === 'n8n1') {
			// n8n 1.x runs the trigger's checkExists/create at start: the same endpoints are updated (PUT) to the new URL.
			expect(await until(moved, 60_000)).toBe(true);
			expect(endpointOf(AUTO_WF).lago_id).toBe(before.auto.lago_id);
			expect(endpointOf(JWT_WF).lago_id).toBe(before.jwt.lago_id);
		} else {
			// n8n 2.x keeps its webhook rows across a restart and then skips the node's activation code, so Lago still
			// has the old URL (the README says so): deactivating and activating again deletes the trigger's own
			// endpoint and registers the new URL, leaving nothing behind.
			await sleep(10_000);
			expect(moved()).toBe(false);
			for (const wf of [AUTO_WF, JWT_WF]) {
				await rest.request('POST', `/rest/workflows/${wf.id}/deactivate`, {});
				await until(() => !endpoints().some((e) => e.lago_id === (wf === AUTO_WF ? before.auto : before.jwt).lago_id));
				await activate(wf);
			}
			expect(await until(moved, 60_000)).toBe(true);
		}
		expect(endpoints()).toHaveLength(before.count);
		// At the old URL nothing of the triggers' is left (someone else's endpoint from the test before stays untouched).
		expect(endpoints().filter((e) => e.webhook_url.startsWith(oldBase) && !(e.event_types || []).includes('plan.created'))).toEqual([]);
		// JWT with the larger header limit: the same 2,500 failed events arrive.
		const large = await sb.webhooks.send('events.errors', 'events_errors', failedEvents(), { endpointId: endpointOf(JWT_WF).lago_id });
		expect(large.deliveries[0].attempts.map((a) => a.status)).toEqual([200]);
		await expectExecutionCount(JWT_WF.id, runs.jwt + 1);
		const items = await lastItems(JWT_WF.id);
		expect(items).toHaveLength(FAILED_EVENTS);
		expect(items[FAILED_EVENTS - 1]).toMatchObject({ transaction_id: 'e2e19-txn-02499-aaaaaaaaaaaaaaaa', error: 'missing_aggregation_property' });
	}, 240_000);

	test('deactivation deletes the endpoints the triggers created, and only those', async () => {
		await rest.request('POST', `/rest/workflows/${AUTO_WF.id}/deactivate`, {});
		await rest.request('POST', `/rest/workflows/${JWT_WF.id}/deactivate`, {});
		expect(await until(() => endpoints().length === 1)).toBe(true);
		expect(endpoints()[0]).toMatchObject({ signature_algo: 'jwt', event_types: ['plan.created'] });
	});
});
