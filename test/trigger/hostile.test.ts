import { generateKeyPairSync, sign } from 'crypto';

import { ORGANIZATION_ID } from '../../sandbox';
import { clearProcessRecords } from '../../nodes/LagoTrigger/deliveries';
import { clearPublicKeyCache } from '../../nodes/LagoTrigger/publicKey';
import { trigger, API_KEY, TriggerUnderTest, useTriggerSuite } from './harness';

/**
 * Issue 19: the Lago Trigger tried as an attacker and as an unlucky operator would. Each test is one case of the
 * issue's "What was seen", run through n8n-core's own contexts against the sandbox.
 */

const HMAC_KEY = 'org-hmac-key-19-SECRET';
const OTHER_ORG = 'b0b00000-0000-4000-8000-000000000002';
const suite = useTriggerSuite(HMAC_KEY, 'wf-h');
const { credentials, params, signed, activeTrigger } = suite;
let seq = 0;

afterEach(() => jest.restoreAllMocks());

const keyFetches = () => suite.sandbox.requests.filter((r) => r.path.endsWith('/public_key') || r.path.endsWith('/json_public_key')).length;

function body(organizationId = ORGANIZATION_ID, object: object = { lago_id: `inv_${++seq}` }) {
	return JSON.stringify({ webhook_type: 'invoice.created', object_type: 'invoice', organization_id: organizationId, invoice: object });
}

function eventsErrors(count: number, organizationId = ORGANIZATION_ID) {
	const ids = Array.from({ length: count }, (_, i) => `txn-${String(i).padStart(6, '0')}-${'x'.repeat(16)}`);
	return JSON.stringify({
		webhook_type: 'events.errors',
		object_type: 'events_errors',
		organization_id: organizationId,
		events_errors: { invalid_code: ids.slice(0, count - Math.floor(count / 5)), missing_aggregation_property: ids.slice(count - Math.floor(count / 5)), missing_group_key: null, invalid_filter_values: [] },
	});
}

const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** A well-formed RS256 JWT over the body, signed with a key that is not Lago's. */
function forged(text: string) {
	const b64 = (v: string) => Buffer.from(v).toString('base64url');
	const input = `${b64('{"alg":"RS256"}')}.${b64(JSON.stringify({ data: text }))}`;
	return { 'X-Lago-Signature': `${input}.${sign('RSA-SHA256', Buffer.from(input), attacker.privateKey).toString('base64url')}`, 'X-Lago-Signature-Algorithm': 'jwt', 'X-Lago-Unique-Key': `f-${++seq}` };
}

const later = (ms: number) => {
	const now = Date.now() + ms;
	jest.spyOn(Date, 'now').mockReturnValue(now);
};

describe('1. large deliveries', () => {
	test('version 2 at default settings picks HMAC when the credential has the key: a 100 KB events.errors gives every item, once', async () => {
		const t = await activeTrigger({ signatureAlgorithm: undefined }, { typeVersion: 2 });
		expect(Array.from(suite.sandbox.webhooks.endpoints.values())[0].signature_algo).toBe('hmac');
		const text = eventsErrors(2500);
		expect(text.length).toBeGreaterThan(70_000);
		const headers = signed(text, 'hmac');
		const first = await t.deliver({ body: text, headers });
		expect(first.items).toHaveLength(2500);
		expect(first.items?.[0]).toMatchObject({ transaction_id: 'txn-000000-xxxxxxxxxxxxxxxx', error: 'invalid_code', organization_id: ORGANIZATION_ID });
		expect(first.items?.[2499]).toMatchObject({ error: 'missing_aggregation_property' });
		expect((await t.deliver({ body: text, headers })).items).toBeUndefined();
	});

	test('version 2 without an HMAC key stays on JWT', async () => {
		await activeTrigger({ signatureAlgorithm: undefined }, { typeVersion: 2, creds: { webhookHmacKey: '' } });
		expect(Array.from(suite.sandbox.webhooks.endpoints.values())[0].signature_algo).toBe('jwt');
	});

	test('JWT: a 100 KB delivery verifies once n8n lets the header through (no cap of its own under the documented setting)', async () => {
		const t = await activeTrigger();
		const text = eventsErrors(2500);
		const headers = signed(text);
		expect(headers['X-Lago-Signature'].length).toBeGreaterThan(64 * 1024);
		expect((await t.deliver({ body: text, headers })).items).toHaveLength(2500);
	});

	test('the panel says when JWT needs HMAC or a larger header limit', () => {
		const notice = trigger.description.properties.find((p) => p.name === 'largeJwtNotice');
		expect(notice?.displayName).toContain('NODE_OPTIONS=--max-http-header-size=');
		expect(notice?.displayName).toContain('431');
		expect(notice?.displayName).toContain('HMAC');
	});
});

describe('2. only the user\'s organisation', () => {
	test.each(['jwt', 'hmac'] as const)('a genuinely signed webhook of another organisation starts nothing (%s)', async (algorithm) => {
		const t = await activeTrigger({ signatureAlgorithm: algorithm });
		expect(t.staticData.organizationId).toBe(ORGANIZATION_ID);
		const theirs = body(OTHER_ORG);
		const r = await t.deliver({ body: theirs, headers: signed(theirs, algorithm) });
		expect(r).toMatchObject({ status: 401, items: undefined, responseBody: { message: 'Unauthorized' } });
		const ours = body();
		expect((await t.deliver({ body: ours, headers: signed(ours, algorithm) })).items).toHaveLength(1);
		expect(t.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
			`Lago Trigger: refused 1 signed webhook from another Lago organisation than this trigger's (${ORGANIZATION_ID}) in the last minute`,
		]);
	});

	test('a payload without organization_id starts nothing', async () => {
		const t = await activeTrigger();
		const text = JSON.stringify({ webhook_type: 'invoice.created', object_type: 'invoice', invoice: { lago_id: 'x' } });
		expect((await t.deliver({ body: text, headers: signed(text) })).status).toBe(401);
	});

	test('when the organisation is not known (activated by an older version), it is read once, even for 20 deliveries at once', async () => {
		const t = await activeTrigger();
		delete t.staticData.organizationId;
		const before = suite.sandbox.requests.length;
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) => {
				const text = i % 2 ? body(OTHER_ORG) : body();
				return t.deliver({ body: text, headers: signed(text) });
			}),
		);
		expect(results.map((r) => r.status).sort()).toEqual([...Array(10).fill(200), ...Array(10).fill(401)]);
		expect(results.filter((r) => r.items).length).toBe(10);
		expect(suite.sandbox.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/webhook_endpoints']);
		expect(t.staticData.organizationId).toBe(ORGANIZATION_ID);
	});
});

describe('3. key fetches bounded whatever the traffic', () => {
	test('50 forged requests at once, with the cached key older than a minute: one fetch', async () => {
		const t = await activeTrigger();
		later(120_000);
		const before = keyFetches();
		const results = await Promise.all(Array.from({ length: 50 }, () => {
			const text = body();
			return t.deliver({ body: text, headers: forged(text) });
		}));
		expect(results.every((r) => r.status === 401)).toBe(true);
		expect(keyFetches() - before).toBe(1);
	});

	test('after a restart (checkExists finds the endpoint, create never runs), 30 forged requests at once: one fetch', async () => {
		const t = await activeTrigger();
		clearPublicKeyCache();
		expect(await t.checkExists()).toBe(true);
		const before = keyFetches();
		const results = await Promise.all(Array.from({ length: 30 }, () => {
			const text = body();
			return t.deliver({ body: text, headers: forged(text) });
		}));
		// Every one refused, the first included: it failed against the key fetched for it (fresh), so it is not retried.
		expect(results.map((r) => [r.status, r.items])).toEqual(Array(30).fill([401, undefined]));
		expect(keyFetches() - before).toBe(1);
	});

	test('after a restart, one forged request alone: refused against the key fetched for it, with no second fetch', async () => {
		const t = await activeTrigger();
		clearPublicKeyCache();
		const before = keyFetches();
		const text = body();
		expect(await t.deliver({ body: text, headers: forged(text) })).toMatchObject({ status: 401, responseBody: { message: 'Unauthorized' }, items: undefined });
		expect(keyFetches() - before).toBe(1);
	});

	test.each([403, 500, 502])('key route answering %i: 20 forged requests, one at a time then 20 at once, cost one fetch a minute', async (status) => {
		const t = await activeTrigger();
		clearPublicKeyCache();
		if (status === 403) suite.sandbox.webhooks.configure({ deniedResources: ['webhook_jwt_public_key'] });
		else suite.sandbox.webhooks.configure({ publicKeyStatus: status });
		const before = keyFetches();
		const statuses: number[] = [];
		for (let i = 0; i < 20; i++) {
			const text = body();
			statuses.push((await t.deliver({ body: text, headers: forged(text) })).status);
		}
		await Promise.all(Array.from({ length: 20 }, () => {
			const text = body();
			return t.deliver({ body: text, headers: forged(text) });
		}));
		expect(statuses.every((s) => s === 503)).toBe(true);
		expect(keyFetches() - before).toBe(1);
		// A minute later, one more.
		later(61_000);
		const text = body();
		await t.deliver({ body: text, headers: forged(text) });
		expect(keyFetches() - before).toBe(2);
		// 503 tells a genuine Lago delivery to come back; the log has one line a minute, with the count.
		const warn = t.logs.filter((l) => l.level === 'warn').map((l) => l.message);
		expect(warn).toHaveLength(2);
		expect(warn[0]).toMatch(/^Lago Trigger: answered 1 request 503 in the last minute: could not check webhook signatures: /);
		expect(warn[1]).toMatch(/^Lago Trigger: answered 40 requests 503 in the last minute: could not check webhook signatures: /);
	});

	test('cached key and a broken key route: forged requests are refused with the cached key, no fetch within the minute', async () => {
		const t = await activeTrigger();
		later(120_000);
		suite.sandbox.webhooks.configure({ publicKeyStatus: 500 });
		const before = keyFetches();
		for (let i = 0; i < 10; i++) {
			const text = body();
			await t.deliver({ body: text, headers: forged(text) });
		}
		expect(keyFetches() - before).toBe(1);
		const ok = body();
		expect((await t.deliver({ body: ok, headers: signed(ok) })).items).toHaveLength(1);
	});
});

describe('4. duplicates and replays', () => {
	test('a retry after an n8n restart starts nothing (records in static data)', async () => {
		const t = await activeTrigger();
		const text = body();
		const headers = signed(text);
		expect((await t.deliver({ body: text, headers })).items).toHaveLength(1);
		clearProcessRecords();
		clearPublicKeyCache();
		const restarted = new TriggerUnderTest(t.node.parameters, t.credentials, { workflowId: t.workflow.id, webhookId: t.node.webhookId, staticData: t.savedStaticData() });
		expect(await restarted.checkExists()).toBe(true);
		expect(await restarted.deliver({ body: text, headers })).toMatchObject({ status: 200, items: undefined, responseBody: { message: 'Already received' } });
	});

	test('the record is in what n8n saves: the node answers itself, so n8n saves the static data before it starts the run', async () => {
		// n8n saves a webhook's static data in its answer callback, and only while the static data is marked changed.
		// n8n 2.x answers onReceived only after starting the run, whose Workflow is built on the same static data and
		// clears that mark: had the node left the answer to n8n, nothing would be saved. Answering itself (as for a
		// refusal) makes n8n call that callback as soon as webhook() returns, in 1.x and 2.x.
		const t = await activeTrigger();
		t.workflow.staticData.__dataChanged = false;
		const text = body();
		const r = await t.deliver({ body: text, headers: signed(text) });
		expect(r.raw.noWebhookResponse).toBe(true);
		expect(r).toMatchObject({ status: 200, responseBody: { message: 'Workflow was started' } });
		expect(r.items).toHaveLength(1);
		expect(t.workflow.staticData.__dataChanged).toBe(true);
		const saved = t.savedStaticData()['node:Lago Trigger'] as { deliveries: object };
		expect(Object.keys(saved.deliveries)).toHaveLength(2);
	});

	test('a captured delivery replayed under a new unique key 16 minutes (and 23 hours) later starts nothing', async () => {
		const t = await activeTrigger();
		const text = body();
		expect((await t.deliver({ body: text, headers: signed(text) })).items).toHaveLength(1);
		later(16 * 60_000);
		expect((await t.deliver({ body: text, headers: signed(text, 'jwt', 'new-key-1') })).items).toBeUndefined();
		jest.restoreAllMocks();
		later(23 * 3600_000);
		expect((await t.deliver({ body: text, headers: signed(text, 'jwt', 'new-key-2') })).items).toBeUndefined();
	});

	test('a refused or ignored delivery records nothing; one whose items fail to build can be retried', async () => {
		const t = await activeTrigger({ events: ['invoice.created'] });
		const other = JSON.stringify({ webhook_type: 'wallet.created', object_type: 'wallet', organization_id: ORGANIZATION_ID, wallet: {} });
		await t.deliver({ body: other, headers: signed(other) });
		const theirs = body(OTHER_ORG);
		await t.deliver({ body: theirs, headers: signed(theirs) });
		expect(Object.keys((t.staticData.deliveries as object | undefined) ?? {})).toHaveLength(0);
	});

	test('10,000 replays with 15,000-character unique keys: static data and process records stay small', async () => {
		const t = await activeTrigger({ signatureAlgorithm: 'hmac' });
		const text = body();
		expect((await t.deliver({ body: text, headers: signed(text, 'hmac') })).items).toHaveLength(1);
		const heapBefore = process.memoryUsage().heapUsed;
		for (let i = 0; i < 10_000; i++) {
			const r = await t.deliver({ body: text, headers: signed(text, 'hmac', `${i}-${'k'.repeat(15_000)}`) });
			if (r.items) throw new Error(`replay ${i} started a run`);
		}
		expect(Object.keys(t.staticData.deliveries as object)).toHaveLength(2);
		expect(JSON.stringify(t.savedStaticData()).length).toBeLessThan(1000);
		global.gc?.();
		// Nothing of the keys is kept; the heap may move for other reasons, but not by 150 MB.
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
	}, 120_000);

	test('deliveries to trigger B never evict trigger A\'s records', async () => {
		const a = await activeTrigger({ signatureAlgorithm: 'hmac' });
		const b = await activeTrigger({ signatureAlgorithm: 'hmac' });
		const text = body();
		const headers = signed(text, 'hmac');
		expect((await a.deliver({ body: text, headers })).items).toHaveLength(1);
		for (let i = 0; i < 10_001; i++) {
			const other = body();
			await b.deliver({ body: other, headers: signed(other, 'hmac') });
		}
		expect((await a.deliver({ body: text, headers })).items).toBeUndefined();
	}, 120_000);
});

describe('5. endpoints the node owns', () => {
	test('n8n\'s URL changed: the same endpoint is updated (PUT), none added, the old URL gone', async () => {
		const t = await activeTrigger();
		const id = t.staticData.endpointId as string;
		const moved = new TriggerUnderTest(t.node.parameters, t.credentials, { workflowId: t.workflow.id, webhookId: 'moved-webhook-id', staticData: t.savedStaticData() });
		await moved.activate();
		const endpoints = Array.from(suite.sandbox.webhooks.endpoints.values());
		expect(endpoints).toEqual([expect.objectContaining({ lago_id: id, webhook_url: moved.url })]);
		expect(suite.sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/api/v1/webhook_endpoints/${id}`]);
		expect(await moved.deactivate()).toBe(true);
		expect(suite.sandbox.webhooks.endpoints.size).toBe(0);
	});

	test('the trigger\'s own endpoint with a trailing slash is the same endpoint', async () => {
		const t = await activeTrigger();
		const [endpoint] = Array.from(suite.sandbox.webhooks.endpoints.values());
		endpoint.webhook_url = `${t.url}/`;
		expect(await t.checkExists()).toBe(true);
	});

	test('someone else\'s endpoint for the same URL (trailing slash) is neither changed nor deleted, and no second one is made', async () => {
		const t = new TriggerUnderTest(params(), credentials(), { workflowId: suite.workflowId() });
		const res = await fetch(`${suite.sandbox.apiUrl}/webhook_endpoints`, {
			method: 'POST',
			headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ webhook_endpoint: { webhook_url: `${t.url}/`, signature_algo: 'hmac' } }),
		});
		expect(res.status).toBe(200);
		await expect(t.activate()).rejects.toThrow(/^Lago already has a webhook endpoint for .* that this trigger did not create \(.*: hmac signatures, all types\)$/);
		await t.deactivate();
		expect(Array.from(suite.sandbox.webhooks.endpoints.values())).toEqual([expect.objectContaining({ signature_algo: 'hmac', event_types: null })]);
	});
});

describe('6. a test listen that explains itself', () => {
	test('the panel has an event description, an activation message and a notice about events.errors', () => {
		expect(trigger.description.eventTriggerDescription).toContain('events.errors');
		expect(trigger.description.activationMessage).toContain(':05');
		const notice = trigger.description.properties.find((p) => p.name === 'testListenNotice');
		expect(notice?.type).toBe('notice');
		expect(notice?.displayName).toBe(
			'Listen for test event rarely sees events.errors: Lago sends it once an hour, at :05, and only when some events of the past hour could not be billed. To build the workflow now, pin the sample events.errors payload from the README to this node, or also pick a type you can cause at once in Lago, e.g. Customer Created (create a customer).',
		);
	});
});

describe('7. quiet under attack', () => {
	test('100 forged requests write one warning line with the count; the next minute, one more with the rest', async () => {
		const t = await activeTrigger();
		for (let i = 0; i < 100; i++) {
			const text = body();
			await t.deliver({ body: text, headers: forged(text) });
		}
		expect(t.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['Lago Trigger: refused 1 request without a valid Lago JWT signature (401) in the last minute']);
		later(60_000);
		const text = body();
		await t.deliver({ body: text, headers: forged(text) });
		expect(t.logs.filter((l) => l.level === 'warn').map((l) => l.message)[1]).toBe('Lago Trigger: refused 100 requests without a valid Lago JWT signature (401) in the last minute');
	});
});
