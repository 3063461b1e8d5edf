import { createHmac, generateKeyPairSync, sign } from 'crypto';

import { ORGANIZATION_ID, signHmac, signJwt } from '../../sandbox';
import { MAX_RECORDS, recordStarted, storedRecords } from '../../nodes/LagoTrigger/deliveries';
import { API_KEY, TriggerUnderTest, useTriggerSuite } from './harness';
import type { DeliveryResult } from './harness';

const HMAC_KEY = 'org-hmac-key-7f3a-SECRET';
const suite = useTriggerSuite(HMAC_KEY, 'wf');
const { credentials, params } = suite;
let webhookSeq = 0;

const webhookRequests = () => suite.sandbox.requests.filter((r) => r.path.includes('/webhook'));

function payload(type = 'invoice.created', object: object = { lago_id: `inv_${++webhookSeq}` }) {
	const objectType = type.split('.')[0];
	return JSON.stringify({ webhook_type: type, object_type: objectType, organization_id: ORGANIZATION_ID, [objectType]: object });
}

const lagoHeaders = suite.signed;
const activeTrigger = suite.activeTrigger;

describe('activation', () => {
	test('registers the production URL with the picked types and algorithm, and keeps the id', async () => {
		const t = await activeTrigger();
		const endpoints = Array.from(suite.sandbox.webhooks.endpoints.values());
		expect(endpoints).toHaveLength(1);
		expect(endpoints[0]).toMatchObject({ webhook_url: t.url, signature_algo: 'jwt', event_types: ['events.errors', 'invoice.created'] });
		expect(t.staticData.endpointId).toBe(endpoints[0].lago_id);
		const post = suite.sandbox.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/webhook_endpoints');
		expect(post?.body).toEqual({ webhook_endpoint: { webhook_url: t.url, signature_algo: 'jwt', event_types: ['events.errors', 'invoice.created'] } });
		expect(post?.headers.authorization).toBe(`Bearer ${API_KEY}`);
		// The JWT key was fetched from the current route, not the deprecated one.
		expect(suite.sandbox.requests.map((r) => r.path)).toContain('/api/v1/webhooks/json_public_key');
		expect(suite.sandbox.requests.map((r) => r.path)).not.toContain('/api/v1/webhooks/public_key');
		expect(await t.checkExists()).toBe(true);
	});

	test('All registers ["*"], stored by Lago as every type', async () => {
		await activeTrigger({ events: ['*', 'invoice.created'] });
		expect(Array.from(suite.sandbox.webhooks.endpoints.values())[0].event_types).toBeNull();
	});

	test('re-activating with other types updates the same endpoint instead of adding one', async () => {
		const t = await activeTrigger();
		const id = t.staticData.endpointId;
		t.node.parameters.events = ['wallet.created'];
		t.node.parameters.signatureAlgorithm = 'hmac';
		expect(await t.checkExists()).toBe(false);
		await t.create();
		const endpoints = Array.from(suite.sandbox.webhooks.endpoints.values());
		expect(endpoints).toHaveLength(1);
		expect(endpoints[0]).toMatchObject({ lago_id: id, signature_algo: 'hmac', event_types: ['wallet.created'] });
		expect(suite.sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/api/v1/webhook_endpoints/${id}`]);
	});

	test('an endpoint made by hand for the same URL is never taken over: activation says what it found and what to do', async () => {
		const t = new TriggerUnderTest(params(), credentials(), { workflowId: 'wf-hand' });
		const res = await fetch(`${suite.sandbox.apiUrl}/webhook_endpoints`, {
			method: 'POST',
			headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ webhook_endpoint: { webhook_url: `${t.url}/`, signature_algo: 'hmac', event_types: ['plan.created'] } }),
		});
		const made = ((await res.json()) as { webhook_endpoint: { lago_id: string } }).webhook_endpoint;
		const error = await t.activate().catch((e) => e);
		expect(error.message).toBe(`Lago already has a webhook endpoint for ${t.url} that this trigger did not create (${made.lago_id}: hmac signatures, plan.created)`);
		expect(error.description).toContain('never changes or deletes an endpoint it did not create');
		// Untouched: same algorithm, same types, and nothing added.
		expect(Array.from(suite.sandbox.webhooks.endpoints.values())).toEqual([expect.objectContaining({ lago_id: made.lago_id, signature_algo: 'hmac', event_types: ['plan.created'] })]);
		expect(suite.sandbox.requests.filter((r) => r.method === 'PUT' || r.method === 'POST' && r.path === '/api/v1/webhook_endpoints')).toHaveLength(1);
		// Once the user made it match, the trigger uses it as it is, and leaves it in Lago on deactivation.
		await fetch(`${suite.sandbox.apiUrl}/webhook_endpoints/${made.lago_id}`, {
			method: 'PUT',
			headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ webhook_endpoint: { signature_algo: 'jwt', event_types: ['events.errors', 'invoice.created'] } }),
		});
		await t.activate();
		expect(t.staticData).toMatchObject({ endpointId: made.lago_id, endpointOwned: false, organizationId: ORGANIZATION_ID });
		expect(t.logs.map((l) => l.message)).toContain(`Lago Trigger: using the webhook endpoint ${made.lago_id} already in Lago for ${t.url} (not created by this trigger, so it stays in Lago on deactivation)`);
		expect(await t.deactivate()).toBe(true);
		expect(suite.sandbox.webhooks.endpoints.has(made.lago_id)).toBe(true);
		expect(suite.sandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
	});

	test('an endpoint deleted in Lago is registered again', async () => {
		const t = await activeTrigger();
		suite.sandbox.webhooks.endpoints.clear();
		expect(await t.checkExists()).toBe(false);
		expect(t.staticData.endpointId).toBeUndefined();
		await t.create();
		expect(suite.sandbox.webhooks.endpoints.size).toBe(1);
	});

	test('deactivation deletes its endpoint and no other', async () => {
		const mine = await activeTrigger();
		const other = await activeTrigger();
		expect(suite.sandbox.webhooks.endpoints.size).toBe(2);
		expect(await mine.deactivate()).toBe(true);
		expect(Array.from(suite.sandbox.webhooks.endpoints.values()).map((e) => e.webhook_url)).toEqual([other.url]);
		expect(mine.staticData.endpointId).toBeUndefined();
		expect(suite.sandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
		// Already gone in Lago: still a clean deactivation.
		suite.sandbox.webhooks.endpoints.clear();
		expect(await other.deactivate()).toBe(true);
	});

	test('Lago\'s limit of 10 endpoints is a clear error', async () => {
		for (let i = 0; i < 10; i++) await activeTrigger();
		await expect(activeTrigger()).rejects.toThrow('Lago already has 10 webhook endpoints, its limit per organisation (422 exceeded_limit)');
	});

	test('a key without the webhook_endpoint permission is a clear error', async () => {
		suite.sandbox.webhooks.configure({ deniedResources: ['webhook_endpoint'] });
		const error = await activeTrigger().catch((e) => e);
		expect(error.message).toBe('The Lago API key is not allowed to read webhook endpoints (403 read_action_not_allowed_for_webhook_endpoint)');
		expect(error.description).toContain('"Webhook endpoints" read and write permission');
	});

	test('a key that may not read the public key fails at activation for JWT, not on every delivery', async () => {
		suite.sandbox.webhooks.configure({ deniedResources: ['webhook_jwt_public_key'] });
		await expect(activeTrigger()).rejects.toThrow('The Lago API key is not allowed to read the webhook public key (403), needed to check JWT signatures');
		expect(suite.sandbox.webhooks.endpoints.size).toBe(0);
	});

	test('an unreachable Lago is a clear error', async () => {
		const t = new TriggerUnderTest(params(), credentials({ baseUrl: 'http://127.0.0.1:9' }));
		t.node.parameters.signatureAlgorithm = 'hmac';
		t.credentials.webhookHmacKey = HMAC_KEY;
		// Only the first attempt: the transport's retries would take minutes.
		const error = await t.create().catch((e) => e);
		expect(error.message).toMatch(/^Could not reach Lago: nothing is listening at 127\.0\.0\.1:9 \(connection refused\), after \d+ attempts/);
	}, 180_000);

	test('HMAC without a Webhook HMAC Key in the credential is refused before any request', async () => {
		await expect(activeTrigger({ signatureAlgorithm: 'hmac' }, { creds: { webhookHmacKey: '' } })).rejects.toThrow(
			'Signature Algorithm is HMAC, but the Lago API credential has no Webhook HMAC Key',
		);
		expect(webhookRequests().filter((r) => r.method !== 'GET')).toHaveLength(0);
	});

	test('an older Lago: no json_public_key route, no event_types; the node falls back and filters itself', async () => {
		suite.sandbox.webhooks.configure({ jsonPublicKeyRoute: false, supportsEventTypes: false });
		const t = await activeTrigger({ events: ['invoice.created'] });
		expect(suite.sandbox.requests.map((r) => r.path)).toContain('/api/v1/webhooks/public_key');
		expect(await t.checkExists()).toBe(true);
		const sent = await suite.sandbox.webhooks.send('wallet.created', 'wallet', { lago_id: 'w1' });
		// The sandbox, like that Lago, sends every type: here it is not delivered anywhere, so deliver it by hand.
		expect(sent.deliveries).toHaveLength(1);
		const r = await t.deliver({ body: sent.body, headers: lagoHeaders(sent.body) });
		expect(r).toMatchObject({ status: 200, items: undefined });
	});
});

describe('deliveries', () => {
	test('a JWT-signed delivery becomes one item with the webhook as Lago sent it', async () => {
		const t = await activeTrigger();
		const body = payload('invoice.created', { lago_id: 'inv_42', total_amount_cents: 1200 });
		const r = await t.deliver({ body, headers: lagoHeaders(body) });
		expect(r.status).toBe(200);
		expect(r.items).toEqual([JSON.parse(body)]);
	});

	test('an HMAC-signed delivery becomes one item', async () => {
		const t = await activeTrigger({ signatureAlgorithm: 'hmac' });
		const body = payload();
		const r = await t.deliver({ body, headers: lagoHeaders(body, 'hmac') });
		expect(r.items).toEqual([JSON.parse(body)]);
	});

	test('a retried delivery (same X-Lago-Unique-Key) starts nothing the second and third time', async () => {
		const t = await activeTrigger();
		const body = payload();
		const headers = lagoHeaders(body);
		const results = [await t.deliver({ body, headers }), await t.deliver({ body, headers }), await t.deliver({ body, headers })];
		expect(results.map((r) => [r.status, r.items?.length ?? 0])).toEqual([
			[200, 1],
			[200, 0],
			[200, 0],
		]);
	});

	test('two workflows listening to the same webhook both start', async () => {
		const a = await activeTrigger();
		const b = await activeTrigger();
		const body = payload();
		const headers = lagoHeaders(body);
		expect((await a.deliver({ body, headers })).items).toHaveLength(1);
		expect((await b.deliver({ body, headers })).items).toHaveLength(1);
	});

	test('a type not picked is answered 200 and starts nothing, whatever the server sends', async () => {
		const t = await activeTrigger({ events: ['invoice.created'] });
		const body = payload('wallet.created', { lago_id: 'w1' });
		expect(await t.deliver({ body, headers: lagoHeaders(body) })).toMatchObject({ status: 200, items: undefined, responseBody: { message: 'Ignored: type not selected' } });
	});

	test('events.errors from events the sandbox stored becomes one item per failed event, with the event looked up', async () => {
		const t = await activeTrigger({ options: { splitEventErrors: true, lookUpEvents: true } });
		suite.sandbox.seedEvents([
			{ transaction_id: 'bad-code-1', external_subscription_id: 'sub_demo_1', code: 'api_call', timestamp: 1767600000 },
			{ transaction_id: 'bad-code-2', external_subscription_id: 'sub_demo_1', code: 'storage', timestamp: 1767600001, properties: { gb: 2 } },
			{ transaction_id: 'no-gb', external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: 1767600002, properties: { region: 'eu' } },
			{ transaction_id: 'good', external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: 1767600003, properties: { gb: 1 } },
		]);
		const sent = await suite.sandbox.webhooks.sendEventsErrors(suite.sandbox.events);
		expect(sent.events_errors).toEqual({ invalid_code: ['bad-code-1', 'bad-code-2'], missing_aggregation_property: ['no-gb'], missing_group_key: null, invalid_filter_values: [] });
		const body = JSON.stringify({ webhook_type: 'events.errors', object_type: 'events_errors', organization_id: ORGANIZATION_ID, events_errors: sent.events_errors });
		const r = await t.deliver({ body, headers: lagoHeaders(body) });
		expect(r.items?.map((i) => [i.transaction_id, i.error, (i.event as { code?: string })?.code])).toEqual([
			['bad-code-1', 'invalid_code', 'api_call'],
			['bad-code-2', 'invalid_code', 'storage'],
			['no-gb', 'missing_aggregation_property', 'storage_gb'],
		]);
		expect(r.items?.[2].fix).toContain('lacks the property its billable metric aggregates');
		expect(suite.sandbox.requests.filter((req) => req.method === 'GET' && req.path.startsWith('/api/v1/events/')).map((req) => req.path)).toEqual([
			'/api/v1/events/bad-code-1',
			'/api/v1/events/bad-code-2',
			'/api/v1/events/no-gb',
		]);
	});

	test('an event that cannot be looked up still gives its item, with the reason', async () => {
		const t = await activeTrigger({ options: { lookUpEvents: true } });
		const body = JSON.stringify({ webhook_type: 'events.errors', object_type: 'events_errors', organization_id: ORGANIZATION_ID, events_errors: { invalid_code: ['gone'] } });
		const r = await t.deliver({ body, headers: lagoHeaders(body) });
		expect(r.items).toEqual([
			expect.objectContaining({ transaction_id: 'gone', error: 'invalid_code', event: null, lookup_error: 'No event with transaction ID "gone" was found in Lago' }),
		]);
	});

	test('without splitEventErrors, events.errors is one item', async () => {
		const t = await activeTrigger({ options: { splitEventErrors: false } });
		const body = JSON.stringify({ webhook_type: 'events.errors', object_type: 'events_errors', organization_id: ORGANIZATION_ID, events_errors: { invalid_code: ['a', 'b'] } });
		expect((await t.deliver({ body, headers: lagoHeaders(body) })).items).toEqual([JSON.parse(body)]);
	});

	test('a rotated Lago key is fetched again once, and the delivery verifies', async () => {
		const t = await activeTrigger();
		// The key cached at activation is old enough to be refreshed.
		jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 120_000);
		try {
			suite.sandbox.webhooks.rotateKey();
			const body = payload();
			const before = suite.sandbox.requests.filter((r) => r.path.endsWith('json_public_key')).length;
			const r = await t.deliver({ body, headers: lagoHeaders(body) });
			expect(r.items).toHaveLength(1);
			expect(suite.sandbox.requests.filter((x) => x.path.endsWith('json_public_key')).length).toBe(before + 1);
			// A forged delivery right after does not make the node fetch the key again.
			const forged = await t.deliver({ body: payload(), headers: { ...lagoHeaders(body), 'X-Lago-Unique-Key': 'x' } });
			expect(forged.status).toBe(401);
			expect(suite.sandbox.requests.filter((x) => x.path.endsWith('json_public_key')).length).toBe(before + 1);
		} finally {
			jest.restoreAllMocks();
		}
	});

	test('the delivery records stay bounded, per trigger', async () => {
		// Filled past the cap through the trigger's own store, then one more real delivery through the trigger.
		const t = await activeTrigger();
		const staticData = t.staticData;
		for (let i = 0; i < MAX_RECORDS + 10; i++) recordStarted(staticData, 'filler', [`filler-${i}`]);
		const body = payload();
		expect((await t.deliver({ body, headers: lagoHeaders(body, 'jwt', 'bounded-1') })).items).toHaveLength(1);
		expect(Object.keys(storedRecords(staticData))).toHaveLength(MAX_RECORDS);
		expect(await t.deliver({ body, headers: lagoHeaders(body, 'jwt', 'bounded-1') })).toMatchObject({ status: 200, items: undefined });
	});
});

describe('attacks: each is answered 401 (or 200 without a run) and starts nothing', () => {
	const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
	const rawJwt = (header: object, claims: object, signer = attacker.privateKey) => {
		const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
		return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), signer))}`;
	};
	const publicPem = () => suite.sandbox.webhooks.publicKeyPem;

	const sameLengthChange = (body: string, from: string, to: string) => {
		const changed = body.replace(from, to);
		if (changed === body || changed.length !== body.length) throw new Error(`not a same-length change: ${from} -> ${to}`);
		return changed;
	};

	type Attack = [string, 'jwt' | 'hmac', () => { body: string; headers: Record<string, string> }];
	const attacks: Attack[] = [
		['no signature headers', 'jwt', () => ({ body: payload(), headers: {} })],
		['signature without the algorithm header', 'jwt', () => {
			const body = payload();
			return { body, headers: { 'X-Lago-Signature': lagoHeaders(body)['X-Lago-Signature'] } };
		}],
		['garbage signature', 'jwt', () => ({ body: payload(), headers: { 'X-Lago-Signature': 'abc', 'X-Lago-Signature-Algorithm': 'jwt' } })],
		['JWT signed with an attacker\'s RSA key', 'jwt', () => {
			const body = payload();
			return { body, headers: { 'X-Lago-Signature': rawJwt({ alg: 'RS256' }, { data: body }), 'X-Lago-Signature-Algorithm': 'jwt' } };
		}],
		['alg none JWT', 'jwt', () => {
			const body = payload();
			return { body, headers: { 'X-Lago-Signature': `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ data: body }))}.`, 'X-Lago-Signature-Algorithm': 'jwt' } };
		}],
		['HS256 JWT keyed with Lago\'s public key (key confusion)', 'jwt', () => {
			const body = payload();
			const input = `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ data: body }))}`;
			return { body, headers: { 'X-Lago-Signature': `${input}.${createHmac('sha256', publicPem()).update(input).digest('base64url')}`, 'X-Lago-Signature-Algorithm': 'jwt' } };
		}],
		['valid Lago JWT replayed with a changed body', 'jwt', () => {
			const signedBody = payload('invoice.created', { lago_id: 'inv_real', total_amount_cents: 100 });
			// Same length as the signed body: a check that compared only lengths would let it through.
			return { body: sameLengthChange(signedBody, '"total_amount_cents":100', '"total_amount_cents":900'), headers: lagoHeaders(signedBody) };
		}],
		['truncated Lago JWT', 'jwt', () => {
			const body = payload();
			const h = lagoHeaders(body);
			return { body, headers: { ...h, 'X-Lago-Signature': h['X-Lago-Signature'].slice(0, -20) } };
		}],
		['Lago JWT with its signature stripped', 'jwt', () => {
			const body = payload();
			const h = lagoHeaders(body);
			return { body, headers: { ...h, 'X-Lago-Signature': `${h['X-Lago-Signature'].split('.').slice(0, 2).join('.')}.` } };
		}],
		['valid Lago JWT announced as hmac', 'jwt', () => {
			const body = payload();
			return { body, headers: { ...lagoHeaders(body), 'X-Lago-Signature-Algorithm': 'hmac' } };
		}],
		['valid HMAC sent to a JWT trigger', 'jwt', () => {
			const body = payload();
			return { body, headers: lagoHeaders(body, 'hmac') };
		}],
		['empty body with a valid signature of the empty string', 'jwt', () => ({ body: '', headers: { 'X-Lago-Signature': signJwt({ data: '' }, suite.sandbox.webhooks.keys.privateKey), 'X-Lago-Signature-Algorithm': 'jwt' } })],
		['body with one trailing newline added', 'jwt', () => {
			const body = payload();
			return { body: `${body}\n`, headers: lagoHeaders(body) };
		}],
		['100 KB signature header', 'jwt', () => ({ body: payload(), headers: { 'X-Lago-Signature': 'a'.repeat(100_000), 'X-Lago-Signature-Algorithm': 'jwt' } })],
		['HMAC with a guessed key', 'hmac', () => {
			const body = payload();
			return { body, headers: { 'X-Lago-Signature': signHmac(body, 'guess'), 'X-Lago-Signature-Algorithm': 'hmac' } };
		}],
		['valid HMAC replayed with a changed body', 'hmac', () => {
			const body = payload('invoice.created', { lago_id: 'inv_h', total_amount_cents: 100 });
			return { body: sameLengthChange(body, '"total_amount_cents":100', '"total_amount_cents":900'), headers: lagoHeaders(body, 'hmac') };
		}],
		['HMAC in hex instead of base64', 'hmac', () => {
			const body = payload();
			return { body, headers: { 'X-Lago-Signature': createHmac('sha256', HMAC_KEY).update(body).digest('hex'), 'X-Lago-Signature-Algorithm': 'hmac' } };
		}],
		['valid Lago JWT sent to an HMAC trigger', 'hmac', () => {
			const body = payload();
			return { body, headers: lagoHeaders(body, 'jwt') };
		}],
		['HMAC signature of the empty key', 'hmac', () => {
			const body = payload();
			return { body, headers: { 'X-Lago-Signature': signHmac(body, ''), 'X-Lago-Signature-Algorithm': 'hmac' } };
		}],
	];

	const outcomes: string[] = [];
	// The list for a release note: LAGO_PRINT_ATTACKS=1 npx jest test/trigger (a passing run stays quiet otherwise).
	afterAll(() => {
		if (process.env.LAGO_PRINT_ATTACKS) process.stdout.write(`Attacks tried on the Lago Trigger (engine):\n${outcomes.join('\n')}\n`);
	});

	test.each(attacks)('%s (%s trigger)', async (name, algorithm, make) => {
		const t = await activeTrigger({ signatureAlgorithm: algorithm });
		const attack = make();
		const r: DeliveryResult = await t.deliver(attack);
		outcomes.push(`- ${name} (${algorithm}): ${r.status}, ${r.items ? 'execution started' : 'no execution'}`);
		expect(r.status).toBe(401);
		expect(r.responseBody).toEqual({ message: 'Unauthorized' });
		expect(r.items).toBeUndefined();
		const text = JSON.stringify([r.responseBody, t.logs]);
		for (const secret of [API_KEY, HMAC_KEY]) expect(text).not.toContain(secret);
	});

	test('a signed body replayed under a new unique key starts nothing', async () => {
		const t = await activeTrigger();
		const body = payload();
		expect((await t.deliver({ body, headers: lagoHeaders(body) })).items).toHaveLength(1);
		const replay = await t.deliver({ body, headers: lagoHeaders(body, 'jwt', 'attacker-new-key') });
		outcomes.push(`- signed body replayed under a new X-Lago-Unique-Key (jwt): ${replay.status}, ${replay.items ? 'execution started' : 'no execution'}`);
		expect(replay).toMatchObject({ status: 200, items: undefined });
	});
});
