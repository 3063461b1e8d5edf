import { createPublicKey } from 'crypto';
import { createServer } from 'http';
import type { IncomingHttpHeaders, Server } from 'http';

import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { parsePublicKey, verifyHmac, verifyJwt } from '../../nodes/LagoTrigger/signature';

/** The sandbox's Lago webhook side, as the trigger and the demo rely on it. */

const KEY = 'sb-webhooks-key';
let sandbox: Sandbox;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let answers: number[] = [];

beforeAll(async () => {
	sandbox = await startSandbox({ apiKey: KEY, webhookHmacKey: 'hmac-k' });
	receiver = createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			received.push({ headers: req.headers, body });
			res.statusCode = answers.shift() ?? 200;
			res.end('{}');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
});
afterAll(async () => {
	await sandbox.stop();
	await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(() => {
	sandbox.reset();
	sandbox.webhooks.reset();
	sandbox.webhooks.configure({ retryDelayMs: 10 });
	received.length = 0;
	answers = [];
});

async function api(method: string, path: string, body?: object, key = KEY) {
	const res = await fetch(`${sandbox.apiUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = text;
	}
	return { status: res.status, json, contentType: res.headers.get('content-type') };
}

const create = (fields: object) => api('POST', '/webhook_endpoints', { webhook_endpoint: fields });

test('endpoint CRUD renders as Lago does', async () => {
	const made = await create({ webhook_url: receiverUrl, signature_algo: 'hmac', event_types: ['Invoice.Created', 'invoice.created'] });
	expect(made.status).toBe(200);
	const id = made.json.webhook_endpoint.lago_id;
	expect(made.json.webhook_endpoint).toEqual({
		lago_id: id,
		lago_organization_id: expect.any(String),
		webhook_url: receiverUrl,
		signature_algo: 'hmac',
		name: null,
		event_types: ['invoice.created'],
		created_at: expect.any(String),
	});
	expect((await api('GET', `/webhook_endpoints/${id}`)).json).toEqual(made.json);
	const list = await api('GET', '/webhook_endpoints');
	expect(list.json).toEqual({ webhook_endpoints: [made.json.webhook_endpoint], meta: expect.objectContaining({ total_count: 1 }) });
	const updated = await api('PUT', `/webhook_endpoints/${id}`, { webhook_endpoint: { event_types: ['*'], signature_algo: 'jwt' } });
	expect(updated.json.webhook_endpoint).toMatchObject({ event_types: null, signature_algo: 'jwt', webhook_url: receiverUrl });
	expect((await api('DELETE', `/webhook_endpoints/${id}`)).json.webhook_endpoint.lago_id).toBe(id);
	expect(await api('GET', `/webhook_endpoints/${id}`)).toMatchObject({ status: 404, json: { code: 'webhook_endpoint_not_found' } });
	expect((await api('GET', '/webhook_endpoints', undefined, 'wrong')).status).toBe(401);
});

test('Lago\'s validation errors: same URL, unknown type, bad URL, the 11th endpoint', async () => {
	await create({ webhook_url: receiverUrl });
	expect((await create({ webhook_url: receiverUrl })).json.error_details).toEqual({ webhook_url: ['value_already_exist'] });
	expect((await create({ webhook_url: `${receiverUrl}2`, event_types: ['nope.nope'] })).json.error_details).toEqual({ event_types: ['value_is_invalid'] });
	expect((await create({ webhook_url: 'ftp://x' })).json.error_details).toEqual({ webhook_url: ['url_invalid'] });
	for (let i = 1; i < 10; i++) expect((await create({ webhook_url: `${receiverUrl}/${i}` })).status).toBe(200);
	expect(await create({ webhook_url: `${receiverUrl}/11` })).toMatchObject({ status: 422, json: { error_details: { base: ['exceeded_limit'] } } });
});

test('both public-key routes serve base64 of the PEM; the older one as plain text', async () => {
	const json = await api('GET', '/webhooks/json_public_key');
	const text = await api('GET', '/webhooks/public_key');
	expect(json.json.webhook.public_key).toBe(text.json);
	expect(text.contentType).toMatch(/^text\/plain/);
	expect(createPublicKey(Buffer.from(text.json, 'base64').toString()).asymmetricKeyType).toBe('rsa');
	sandbox.webhooks.configure({ jsonPublicKeyRoute: false, deniedResources: [] });
	expect((await api('GET', '/webhooks/json_public_key')).status).toBe(404);
	sandbox.webhooks.configure({ deniedResources: ['webhook_jwt_public_key'] });
	expect(await api('GET', '/webhooks/public_key')).toMatchObject({ status: 403, json: { code: 'read_action_not_allowed_for_webhook_jwt_public_key' } });
});

test('deliveries are signed as Lago signs them, and only to endpoints that take the type', async () => {
	await create({ webhook_url: `${receiverUrl}/jwt`, signature_algo: 'jwt', event_types: ['invoice.created'] });
	await create({ webhook_url: `${receiverUrl}/hmac`, signature_algo: 'hmac' });
	await create({ webhook_url: `${receiverUrl}/other`, event_types: ['wallet.created'] });
	const sent = await sandbox.webhooks.send('invoice.created', 'invoice', { lago_id: 'inv_1' });
	expect(received.map((r) => r.headers['x-lago-signature-algorithm']).sort()).toEqual(['hmac', 'jwt']);
	const key = parsePublicKey((await api('GET', '/webhooks/json_public_key')).json.webhook.public_key);
	for (const r of received) {
		expect(r.body).toBe(sent.body);
		expect(JSON.parse(r.body)).toEqual({ webhook_type: 'invoice.created', object_type: 'invoice', organization_id: expect.any(String), invoice: { lago_id: 'inv_1' } });
		const ok = r.headers['x-lago-signature-algorithm'] === 'jwt' ? verifyJwt(r.headers['x-lago-signature'], Buffer.from(r.body), key) : verifyHmac(r.headers['x-lago-signature'], Buffer.from(r.body), 'hmac-k');
		expect(ok).toBe(true);
	}
});

test('a failed delivery is retried up to 3 times with the same unique key; repeat re-sends a delivered one', async () => {
	await create({ webhook_url: receiverUrl });
	answers = [500, 503, 500];
	const failed = await sandbox.webhooks.send('invoice.created', 'invoice', {});
	expect(failed.deliveries[0].attempts.map((a) => a.status)).toEqual([500, 503, 500]);
	expect(new Set(received.map((r) => r.headers['x-lago-unique-key'])).size).toBe(1);
	received.length = 0;
	answers = [401, 200];
	const second = await sandbox.webhooks.send('invoice.created', 'invoice', {}, { repeat: 1 });
	expect(second.deliveries[0].attempts.map((a) => a.status)).toEqual([401, 200, 200]);
	expect(new Set(received.map((r) => r.headers['x-lago-unique-key'])).size).toBe(1);
	expect(sandbox.webhooks.deliveries).toHaveLength(6);
});

test('events.errors is computed from stored events, each reported once, and not sent when nothing failed', async () => {
	await create({ webhook_url: receiverUrl, event_types: ['events.errors'] });
	sandbox.seedEvents([
		{ transaction_id: 'ok', external_subscription_id: 'sub_demo_1', code: 'storage_gb', properties: { gb: 1 }, timestamp: 1767600000 },
		{ transaction_id: 'count-ok', external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1767600000 },
		{ transaction_id: 'typo', external_subscription_id: 'sub_demo_1', code: 'api_call', timestamp: 1767600000 },
		{ transaction_id: 'no-field', external_subscription_id: 'sub_demo_1', code: 'compute_hours', properties: { hrs: 2 }, timestamp: 1767600000 },
	]);
	const first = await sandbox.webhooks.sendEventsErrors(sandbox.events);
	expect(first).toMatchObject({ sent: true, events_errors: { invalid_code: ['typo'], missing_aggregation_property: ['no-field'], missing_group_key: null, invalid_filter_values: [] } });
	expect(JSON.parse(received[0].body)).toEqual({ webhook_type: 'events.errors', object_type: 'events_errors', organization_id: expect.any(String), events_errors: first.events_errors });
	expect(await sandbox.webhooks.sendEventsErrors(sandbox.events)).toMatchObject({ sent: false, deliveries: [] });
	expect(received).toHaveLength(1);
});

test('control routes drive it out of process', async () => {
	await create({ webhook_url: receiverUrl });
	const send = await fetch(`${sandbox.url}/_sandbox/webhooks/send`, { method: 'POST', body: JSON.stringify({ webhook_type: 'events.errors', object: { invalid_code: ['x'] } }) });
	expect(send.status).toBe(200);
	expect(JSON.parse(received[0].body)).toMatchObject({ object_type: 'events_errors', events_errors: { invalid_code: ['x'] } });
	const keys = (await (await fetch(`${sandbox.url}/_sandbox/webhooks/keys`)).json()) as { hmacKey: string; publicKeyPem: string };
	expect(keys).toEqual({ hmacKey: 'hmac-k', publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });
	const rotated = (await (await fetch(`${sandbox.url}/_sandbox/webhooks/rotate-key`, { method: 'POST' })).json()) as { publicKeyPem: string };
	expect(rotated.publicKeyPem).not.toBe(keys.publicKeyPem);
	const bad = await fetch(`${sandbox.url}/_sandbox/webhooks/send`, { method: 'POST', body: '{}' });
	expect(bad.status).toBe(400);
	expect((await fetch(`${sandbox.url}/_sandbox/webhooks/nope`)).status).toBe(404);
});
