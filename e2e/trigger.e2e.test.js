'use strict';
// End to end: the Lago Trigger in a running n8n (`n8n start`, 1.x and 2.x), with the packed package installed as a
// community package. Activation registers the webhook URL in the Lago sandbox and deactivation removes it; the sandbox
// delivers signed webhooks (JWT and HMAC, with Lago's retries); forged deliveries must get 401 and leave no execution.
// Executions are counted through n8n's REST API.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { signJwt, signHmac, ORGANIZATION_ID } = require('../sandbox');
const fx = require('../n8n-harness/fixture');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll } = fx;
const { freePort, sleep } = require('../n8n-harness/proc');
const { N8nRest } = require('../n8n-harness/rest');

const API_KEY = 'e2e-trigger-key-4d1c9a7e';
const HMAC_KEY = 'e2e-org-hmac-key-83b1f0';
const OWNER = { email: 'e2e-trigger@example.com', password: 'Lago-E2e-Trigger-2026', firstName: 'E2E', lastName: 'Owner' };
const CRED_ID = 'lagoE2eCredTrig1';

const read = (...p) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', ...p), 'utf8'));
const JWT_WF = read('e2e', 'workflows', 'trigger-jwt.json');
const HMAC_WF = read('e2e', 'workflows', 'trigger-hmac.json');
const EXAMPLE_WF = read('examples', 'resend-events-lago-could-not-bill.json');
for (const n of EXAMPLE_WF.nodes) if (n.credentials) n.credentials = { lagoApi: { id: CRED_ID, name: 'Lago sandbox, trigger (e2e)' } };

describe.each(FLAVOURS)('Lago Trigger in %s', (_label, key) => {
	let sb;
	let n8n;
	let rest;
	let baseUrl;
	const attackOutcomes = [];

	const hookUrl = (wf) => `${baseUrl}/webhook/${wf.nodes[0].webhookId}/webhook`;
	const endpoints = () => Array.from(sb.webhooks.endpoints.values());

	const executions = (workflowId) => fx.executions(rest, workflowId);
	const expectExecutionCount = (workflowId, count, settleMs) => fx.expectExecutionCount(rest, workflowId, count, settleMs);
	const lastRun = (workflowId) => fx.lastRun(rest, n8n, workflowId);
	const { itemsOf } = fx;

	/** n8n 2.x answers the (de)activation call before the trigger's lifecycle methods have run: wait for Lago to see it. */
	async function untilEndpoints(check) {
		const started = Date.now();
		while (!check(endpoints()) && Date.now() - started < 30_000) await sleep(200);
	}

	async function activate(wf) {
		const current = await rest.getWorkflow(wf.id);
		await rest.request('POST', `/rest/workflows/${wf.id}/activate`, { versionId: current.versionId });
		await untilEndpoints((list) => list.some((e) => e.webhook_url === hookUrl(wf)));
	}

	async function deactivate(wf) {
		await rest.request('POST', `/rest/workflows/${wf.id}/deactivate`, {});
		await untilEndpoints((list) => !list.some((e) => e.webhook_url === hookUrl(wf)));
	}

	async function post(url, body, headers) {
		const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
		return { status: res.status, text: await res.text() };
	}

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY, webhookHmacKey: HMAC_KEY },
			credentials: (s) => [lagoCredential(CRED_ID, 'Lago sandbox, trigger (e2e)', s.url, API_KEY, { webhookHmacKey: HMAC_KEY })],
			workflows: [JWT_WF, HMAC_WF, EXAMPLE_WF],
		}));
		const port = await freePort();
		baseUrl = `http://127.0.0.1:${port}`;
		await n8n.start({ port, extraEnv: { WEBHOOK_URL: `${baseUrl}/` } });
		rest = new N8nRest(baseUrl);
		await rest.setupOwnerOrLogin(OWNER);
	}, 300_000);

	afterAll(async () => {
		if (attackOutcomes.length) process.stdout.write(`Attacks on a running ${key} (status, executions after):\n${attackOutcomes.join('\n')}\n`);
		await stopAll({ sb, n8n });
	});

	test('activation registers the production webhook URL in Lago with the picked types and algorithm', async () => {
		await activate(JWT_WF);
		await activate(HMAC_WF);
		expect(endpoints().map((e) => [e.webhook_url, e.signature_algo, e.event_types]).sort()).toEqual(
			[
				[hookUrl(JWT_WF), 'jwt', ['invoice.created', 'events.errors']],
				[hookUrl(HMAC_WF), 'hmac', ['wallet.created']],
			].sort(),
		);
		expect(sb.requests.some((r) => r.path === '/api/v1/webhooks/json_public_key')).toBe(true);
	});

	test('a JWT-signed delivery from Lago runs the workflow once, with the webhook as its item', async () => {
		const before = (await executions(JWT_WF.id)).length;
		const sent = await sb.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_e2e_1', total_amount_cents: 4200 });
		expect(sent.deliveries.map((d) => d.attempts.map((a) => a.status))).toEqual([[200]]);
		await expectExecutionCount(JWT_WF.id, before + 1);
		const run = await lastRun(JWT_WF.id);
		expect(run.status).toBe('success');
		expect(itemsOf(run, 'Lago Trigger')).toEqual([sent.payload]);
	});

	test('an HMAC-signed delivery runs the HMAC workflow', async () => {
		const before = (await executions(HMAC_WF.id)).length;
		const sent = await sb.webhooks.send('wallet.created', 'wallet', { lago_id: 'wal_e2e_1' });
		expect(sent.deliveries.map((d) => [d.url, d.attempts.map((a) => a.status)])).toEqual([[hookUrl(HMAC_WF), [200]]]);
		await expectExecutionCount(HMAC_WF.id, before + 1);
		expect(itemsOf(await lastRun(HMAC_WF.id), 'Lago Trigger')).toEqual([sent.payload]);
	});

	test('a delivery Lago retries (its answer was lost) runs once', async () => {
		// Counted from this test's own start, not from what the tests before it left.
		const before = (await executions(JWT_WF.id)).length;
		const sent = await sb.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_e2e_retried' }, { repeat: 2 });
		const attempts = sent.deliveries[0].attempts;
		expect(attempts.map((a) => a.status)).toEqual([200, 200, 200]);
		expect(new Set(attempts.map((a) => a.webhookId)).size).toBe(1);
		await expectExecutionCount(JWT_WF.id, before + 1);
	});

	test('forged, unsigned and wrong-algorithm deliveries get 401 and leave no execution', async () => {
		const attacker = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
		const body = (id) => JSON.stringify({ webhook_type: 'invoice.created', object_type: 'invoice', organization_id: 'x', invoice: { lago_id: id } });
		const lagoJwt = (b) => signJwt({ data: b, iss: 'http://lago' }, sb.webhooks.keys.privateKey);
		const b64url = (v) => Buffer.from(v).toString('base64url');
		const attacks = [
			['unsigned', JWT_WF, body('a1'), {}],
			['garbage JWT', JWT_WF, body('a2'), { 'X-Lago-Signature': 'x.y.z', 'X-Lago-Signature-Algorithm': 'jwt' }],
			['JWT from an attacker key', JWT_WF, body('a3'), { 'X-Lago-Signature': signJwt({ data: body('a3') }, attacker.privateKey), 'X-Lago-Signature-Algorithm': 'jwt' }],
			['alg none', JWT_WF, body('a4'), { 'X-Lago-Signature': `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ data: body('a4') }))}.`, 'X-Lago-Signature-Algorithm': 'jwt' }],
			['Lago JWT, body changed (same length)', JWT_WF, body('a5-forged'), { 'X-Lago-Signature': lagoJwt(body('a5-signed')), 'X-Lago-Signature-Algorithm': 'jwt', 'X-Lago-Unique-Key': 'k5' }],
			['Lago JWT truncated', JWT_WF, body('a6'), { 'X-Lago-Signature': lagoJwt(body('a6')).slice(0, -16), 'X-Lago-Signature-Algorithm': 'jwt' }],
			['valid HMAC to the JWT trigger (wrong algorithm)', JWT_WF, body('a7'), { 'X-Lago-Signature': signHmac(body('a7'), HMAC_KEY), 'X-Lago-Signature-Algorithm': 'hmac' }],
			['Lago JWT announced as hmac', JWT_WF, body('a8'), { 'X-Lago-Signature': lagoJwt(body('a8')), 'X-Lago-Signature-Algorithm': 'hmac' }],
			['HMAC with a guessed key', HMAC_WF, body('a9'), { 'X-Lago-Signature': signHmac(body('a9'), 'guess'), 'X-Lago-Signature-Algorithm': 'hmac' }],
			['valid Lago JWT to the HMAC trigger (wrong algorithm)', HMAC_WF, body('a10'), { 'X-Lago-Signature': lagoJwt(body('a10')), 'X-Lago-Signature-Algorithm': 'jwt' }],
			['HMAC, body changed (same length)', HMAC_WF, body('a11-forged'), { 'X-Lago-Signature': signHmac(body('a11-signed'), HMAC_KEY), 'X-Lago-Signature-Algorithm': 'hmac' }],
			['unsigned to the HMAC trigger', HMAC_WF, body('a12'), {}],
			['empty body', JWT_WF, '', { 'X-Lago-Signature': lagoJwt(''), 'X-Lago-Signature-Algorithm': 'jwt' }],
			['text body, signed by an attacker key', JWT_WF, 'not json', { 'content-type': 'text/plain', 'X-Lago-Signature': signJwt({ data: 'not json' }, attacker.privateKey), 'X-Lago-Signature-Algorithm': 'jwt' }],
			// n8n's own body parser refuses malformed JSON (422) before any node runs.
			['malformed JSON, signed by an attacker key', JWT_WF, '{"webhook_type":', { 'X-Lago-Signature': signJwt({ data: '{"webhook_type":' }, attacker.privateKey), 'X-Lago-Signature-Algorithm': 'jwt' }, 422],
		];
		const before = { [JWT_WF.id]: (await executions(JWT_WF.id)).length, [HMAC_WF.id]: (await executions(HMAC_WF.id)).length };
		const statuses = [];
		for (const [name, wf, b, headers] of attacks) {
			const r = await post(hookUrl(wf), b, headers);
			statuses.push([name, r.status]);
			expect(r.text).not.toContain(HMAC_KEY);
			expect(r.text).not.toContain(API_KEY);
		}
		expect(statuses).toEqual(attacks.map(([name, , , , status = 401]) => [name, status]));
		await expectExecutionCount(JWT_WF.id, before[JWT_WF.id], 3000);
		await expectExecutionCount(HMAC_WF.id, before[HMAC_WF.id], 0);
		for (const [name, status] of statuses) attackOutcomes.push(`- ${name}: ${status}, no execution`);
		const log = fs.readFileSync(n8n.logFile, 'utf8');
		expect(log).not.toContain(HMAC_KEY);
		expect(log).not.toContain(API_KEY);
	});

	test('a captured signed delivery replayed under a new X-Lago-Unique-Key starts nothing', async () => {
		const before = (await executions(JWT_WF.id)).length;
		const sent = await sb.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_e2e_captured' });
		expect(sent.deliveries[0].attempts.map((a) => a.status)).toEqual([200]);
		const r = await post(hookUrl(JWT_WF), sent.body, { 'X-Lago-Signature': signJwt({ data: sent.body, iss: 'http://lago' }, sb.webhooks.keys.privateKey), 'X-Lago-Signature-Algorithm': 'jwt', 'X-Lago-Unique-Key': 'attacker-chosen-key' });
		expect(r.status).toBe(200);
		// Lago's own delivery ran; the replay did not.
		await expectExecutionCount(JWT_WF.id, before + 1, 2000);
		attackOutcomes.push(`- captured signed body replayed under a new unique key: ${r.status}, no execution`);
	});

	test('a type the trigger did not pick is answered 200 and starts nothing', async () => {
		const before = (await executions(JWT_WF.id)).length;
		const b = JSON.stringify({ webhook_type: 'plan.created', object_type: 'plan', organization_id: ORGANIZATION_ID, plan: {} });
		const r = await post(hookUrl(JWT_WF), b, { 'X-Lago-Signature': signJwt({ data: b }, sb.webhooks.keys.privateKey), 'X-Lago-Signature-Algorithm': 'jwt', 'X-Lago-Unique-Key': 'plan-1' });
		expect(r.status).toBe(200);
		await expectExecutionCount(JWT_WF.id, before, 2000);
	});

	test('events.errors for 3 bad events Lago stored yields 3 items', async () => {
		const before = (await executions(JWT_WF.id)).length;
		const send = (event) =>
			fetch(`${sb.apiUrl}/events`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ event }) });
		for (const event of [
			{ transaction_id: 'e2e-bad-1', external_subscription_id: 'sub_demo_1', code: 'no_such_metric' },
			{ transaction_id: 'e2e-bad-2', external_subscription_id: 'sub_demo_1', code: 'storage_gb', properties: { region: 'eu' } },
			{ transaction_id: 'e2e-bad-3', external_subscription_id: 'sub_demo_1', code: 'compute_hours', properties: {} },
			{ transaction_id: 'e2e-good', external_subscription_id: 'sub_demo_1', code: 'api_calls' },
		]) {
			expect((await send(event)).status).toBe(200);
		}
		const sent = await sb.webhooks.sendEventsErrors(sb.events);
		expect(sent.sent).toBe(true);
		await expectExecutionCount(JWT_WF.id, before + 1);
		const items = itemsOf(await lastRun(JWT_WF.id), 'Lago Trigger');
		expect(items.map((i) => [i.transaction_id, i.error])).toEqual([
			['e2e-bad-1', 'invalid_code'],
			['e2e-bad-2', 'missing_aggregation_property'],
			['e2e-bad-3', 'missing_aggregation_property'],
		]);
		expect(items.every((i) => typeof i.fix === 'string' && i.fix.length > 20)).toBe(true);
	});

	test('deactivation removes its endpoint from Lago, and only its own', async () => {
		await deactivate(JWT_WF);
		expect(endpoints().map((e) => e.webhook_url)).toEqual([hookUrl(HMAC_WF)]);
		await deactivate(HMAC_WF);
		expect(endpoints()).toEqual([]);
		// Nothing listens any more: Lago's delivery of a webhook now fails (n8n answers 404) and is retried.
		const b = JSON.stringify({ webhook_type: 'invoice.created', invoice: {} });
		expect((await post(hookUrl(JWT_WF), b, { 'X-Lago-Signature': signJwt({ data: b }, sb.webhooks.keys.privateKey), 'X-Lago-Signature-Algorithm': 'jwt' })).status).toBe(404);
	});

	test('the example: Send → events.errors → corrected re-send', async () => {
		sb.reset();
		await activate(EXAMPLE_WF);
		expect(endpoints().map((e) => [e.webhook_url, e.event_types])).toEqual([[hookUrl(EXAMPLE_WF), ['events.errors']]]);
		const send = (event) =>
			fetch(`${sb.apiUrl}/events`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ event }) });
		const ts = Math.floor(Date.now() / 1000) - 60;
		for (const event of [
			{ transaction_id: 'ex-typo', external_subscription_id: 'sub_demo_1', code: 'api_call', timestamp: ts },
			{ transaction_id: 'ex-renamed', external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: ts, properties: { size_gb: 3 } },
			{ transaction_id: 'ex-unknown', external_subscription_id: 'sub_demo_1', code: 'made_up_metric', timestamp: ts },
		]) {
			expect((await send(event)).status).toBe(200);
		}
		const sent = await sb.webhooks.sendEventsErrors(sb.events);
		expect(sent.events_errors).toMatchObject({ invalid_code: ['ex-typo', 'ex-unknown'], missing_aggregation_property: ['ex-renamed'] });
		await expectExecutionCount(EXAMPLE_WF.id, 1);
		const run = await lastRun(EXAMPLE_WF.id);
		expect(run.status).toBe('success');
		expect(itemsOf(run, 'Lago could not bill').map((i) => [i.transaction_id, i.error, i.event && i.event.code])).toEqual([
			['ex-typo', 'invalid_code', 'api_call'],
			['ex-unknown', 'invalid_code', 'made_up_metric'],
			['ex-renamed', 'missing_aggregation_property', 'storage_gb'],
		]);
		expect(itemsOf(run, 'Re-send to Lago').map((i) => i.transaction_id)).toEqual(['ex-typo-fixed', 'ex-renamed-fixed']);
		const stored = new Map(sb.events.map((e) => [e.transaction_id, e]));
		expect(stored.get('ex-typo-fixed')).toMatchObject({ code: 'api_calls', external_subscription_id: 'sub_demo_1' });
		expect(stored.get('ex-renamed-fixed')).toMatchObject({ code: 'storage_gb', properties: { gb: 3 } });
		await deactivate(EXAMPLE_WF);
		expect(endpoints()).toEqual([]);
	});
});
