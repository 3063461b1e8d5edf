import { ORGANIZATION_ID } from '../../sandbox';
import { ok, startMock, useMockLago } from '../helpers/mockLago';
import type { MockLago } from '../helpers/mockLago';
import { TriggerUnderTest, useTriggerSuite } from './harness';

/**
 * The Lago Trigger's webhook handler at the edges no other trigger test reaches (a body n8n has not read yet, a body
 * that is not a JSON object, an organisation that cannot be read, the look-up budget, scopes of two triggers), each
 * pinned exactly: the mutants a Stryker run of webhook.ts would otherwise leave alive (issue 23).
 */

const HMAC_KEY = 'org-hmac-key-mut-SECRET';
const suite = useTriggerSuite(HMAC_KEY, 'wm');
const { signed, activeTrigger } = suite;

const payload = (extra: object = {}) => JSON.stringify({ webhook_type: 'invoice.created', object_type: 'invoice', organization_id: ORGANIZATION_ID, invoice: { lago_id: 'inv-1' }, ...extra });
const eventsErrors = (errors: object) => JSON.stringify({ webhook_type: 'events.errors', object_type: 'events_errors', organization_id: ORGANIZATION_ID, events_errors: errors });
const warnings = (t: TriggerUnderTest) => t.logs.filter((l) => l.level === 'warn').map((l) => l.message);

/** A trigger checking HMAC signatures against an API at `baseUrl`, its organisation already known unless `orgId` is null. */
function hmacTrigger(baseUrl: string, parameters: object = {}, orgId: unknown = ORGANIZATION_ID, nodeId = 'trigger-node-1'): TriggerUnderTest {
	const staticData = orgId === null ? {} : { 'node:Lago Trigger': { organizationId: orgId } };
	return new TriggerUnderTest(suite.params({ signatureAlgorithm: 'hmac', ...parameters }), suite.credentials({ baseUrl }), { workflowId: suite.workflowId(), staticData, nodeId });
}

describe('the body n8n hands the node', () => {
	test('a body n8n has not read yet is read, then verified', async () => {
		const t = await activeTrigger();
		const body = payload();
		let reads = 0;
		const r = await t.deliver({
			body,
			headers: signed(body),
			adjustRequest: (req) => {
				delete req.rawBody;
				req.readRawBody = async () => {
					reads++;
					req.rawBody = Buffer.from(body);
				};
			},
		});
		expect(reads).toBe(1);
		expect(r).toMatchObject({ status: 200, responseBody: { message: 'Workflow was started' }, items: [JSON.parse(body)] });
	});

	test('a body n8n has already read is not read again', async () => {
		const t = await activeTrigger();
		const body = payload();
		let reads = 0;
		const r = await t.deliver({
			body,
			headers: signed(body),
			adjustRequest: (req) => {
				req.readRawBody = async () => {
					reads++;
				};
			},
		});
		expect(reads).toBe(0);
		expect(r).toMatchObject({ status: 200, items: [JSON.parse(body)] });
	});

	test('a body kept as text instead of bytes is refused: only the exact bytes can be verified', async () => {
		const t = await activeTrigger();
		const body = payload();
		const r = await t.deliver({ body, headers: signed(body), adjustRequest: (req) => (req.rawBody = body) });
		expect(r).toMatchObject({ status: 401, responseBody: { message: 'Unauthorized' }, items: undefined });
	});

	test('an empty body is refused before any check, and counted as unsigned', async () => {
		const t = await activeTrigger();
		const r = await t.deliver({ body: '', headers: signed('') });
		expect(r).toMatchObject({ status: 401, responseBody: { message: 'Unauthorized' }, items: undefined });
		expect(warnings(t)).toEqual(['Lago Trigger: refused 1 request without a valid Lago JWT signature (401) in the last minute']);
	});

	test('signature headers given as lists are read from their first value', async () => {
		const t = await activeTrigger();
		const body = payload();
		const headers = signed(body);
		const r = await t.deliver({
			body,
			headers,
			adjustRequest: (req) => {
				for (const [name, value] of Object.entries(req.headers)) if (name.startsWith('x-lago-')) req.headers[name] = [value, 'second'];
			},
		});
		expect(r).toMatchObject({ status: 200, items: [JSON.parse(body)] });
	});

	test.each([
		['null', 'null'],
		['a number', '42'],
		['a string', '"invoice.created"'],
		['a list', '[{"webhook_type":"invoice.created"}]'],
		['not JSON', '{"webhook_type":'],
	])('a signed body that is %s is a Bad Request', async (_what, body) => {
		const t = await activeTrigger();
		const r = await t.deliver({ body, headers: signed(body) });
		expect(r).toMatchObject({ status: 400, responseBody: { message: 'Bad Request' }, items: undefined });
	});
});

describe('the signature headers', () => {
	const keyFetches = () => suite.sandbox.requests.filter((r) => r.path.endsWith('json_public_key')).length;
	afterEach(() => jest.restoreAllMocks());

	test('HMAC: a delivery that names another algorithm is refused, even with a valid HMAC signature', async () => {
		const t = new TriggerUnderTest(suite.params({ signatureAlgorithm: 'hmac' }), suite.credentials(), { workflowId: suite.workflowId(), staticData: { 'node:Lago Trigger': { organizationId: ORGANIZATION_ID } } });
		const body = payload();
		const headers = { ...signed(body, 'hmac'), 'X-Lago-Signature-Algorithm': 'jwt' };
		expect(await t.deliver({ body, headers })).toMatchObject({ status: 401, responseBody: { message: 'Unauthorized' }, items: undefined });
	});

	test.each(['hmac', 'jwt'] as const)('%s: a delivery naming the algorithm but without a signature is refused (401, not an error)', async (algorithm) => {
		const t = new TriggerUnderTest(suite.params({ signatureAlgorithm: algorithm }), suite.credentials(), { workflowId: suite.workflowId(), staticData: { 'node:Lago Trigger': { organizationId: ORGANIZATION_ID } } });
		const body = payload();
		const headers = { ...signed(body, algorithm), 'X-Lago-Signature': undefined };
		expect(await t.deliver({ body, headers })).toMatchObject({ status: 401, responseBody: { message: 'Unauthorized' }, items: undefined });
		expect(warnings(t)).toEqual([`Lago Trigger: refused 1 request without a valid Lago ${algorithm.toUpperCase()} signature (401) in the last minute`]);
	});

	test.each([
		['two parts', 'aaa.bbb'],
		['a character before the first part', '!aaa.bbb.ccc'],
		['a character after the last part', 'aaa.bbb.ccc!'],
	])('JWT: a signature of %s is refused without fetching the key again, even when the key could be refreshed', async (_what, signature) => {
		const t = await activeTrigger();
		const before = keyFetches();
		const realNow = Date.now.bind(Date);
		jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 120_000);
		const body = payload();
		expect(await t.deliver({ body, headers: { ...signed(body), 'X-Lago-Signature': signature } })).toMatchObject({ status: 401, items: undefined });
		expect(keyFetches()).toBe(before);
	});

	test('JWT: a valid signature with spaces around it verifies', async () => {
		const t = await activeTrigger();
		const body = payload();
		const headers = signed(body);
		const r = await t.deliver({ body, headers: { ...headers, 'X-Lago-Signature': ` ${headers['X-Lago-Signature']} ` } });
		expect(r).toMatchObject({ status: 200, items: [JSON.parse(body)] });
	});
});

describe('the HMAC key', () => {
	test("the credential's HMAC key is used without the spaces around it", async () => {
		const t = new TriggerUnderTest(suite.params({ signatureAlgorithm: 'hmac' }), suite.credentials({ webhookHmacKey: `  ${HMAC_KEY}\n` }), { workflowId: suite.workflowId(), staticData: { 'node:Lago Trigger': { organizationId: ORGANIZATION_ID } } });
		const body = payload();
		expect(await t.deliver({ body, headers: signed(body, 'hmac') })).toMatchObject({ status: 200, items: [JSON.parse(body)] });
	});
});

describe('the organisation', () => {
	const mock = useMockLago(() => ok({}));

	test('an organisation id that is not text in the static data is read again from Lago, and kept', async () => {
		mock.handler = () => ok({ webhook_endpoints: [{ lago_organization_id: ORGANIZATION_ID }] });
		const t = hmacTrigger(mock.url, {}, 12345);
		const body = payload();
		expect(await t.deliver({ body, headers: signed(body, 'hmac') })).toMatchObject({ status: 200, items: [JSON.parse(body)] });
		expect(mock.requests.map((r) => r.path)).toEqual(['/api/v1/webhook_endpoints?page=1&per_page=1']);
		expect(t.staticData.organizationId).toBe(ORGANIZATION_ID);
	});

	test('an empty organisation id in the static data is read again from Lago', async () => {
		mock.handler = () => ok({ webhook_endpoints: [{ lago_organization_id: ORGANIZATION_ID }] });
		const t = hmacTrigger(mock.url, {}, '');
		const body = payload();
		expect(await t.deliver({ body, headers: signed(body, 'hmac') })).toMatchObject({ status: 200, items: [JSON.parse(body)] });
		expect(mock.requests).toHaveLength(1);
		expect(t.staticData.organizationId).toBe(ORGANIZATION_ID);
	});

	test('an organisation that cannot be read answers 503, logs why, and starts nothing', async () => {
		mock.handler = () => ({ status: 401, body: { status: 401, error: 'Unauthorized' } });
		const t = hmacTrigger(mock.url, {}, null);
		const body = payload();
		expect(await t.deliver({ body, headers: signed(body, 'hmac') })).toMatchObject({ status: 503, responseBody: { message: 'Service Unavailable' }, items: undefined });
		const [warning, ...rest] = warnings(t);
		expect(rest).toEqual([]);
		expect(warning).toMatch(/^Lago Trigger: answered 1 request 503 in the last minute: could not read the Lago organisation this trigger belongs to: \S/);
		expect(t.staticData.organizationId).toBeUndefined();
	});

	test("Lago's key that cannot be fetched answers 503 and logs why", async () => {
		mock.handler = () => ({ status: 401, body: { status: 401, error: 'Unauthorized' } });
		const t = hmacTrigger(mock.url, { signatureAlgorithm: 'jwt' });
		const body = payload();
		expect(await t.deliver({ body, headers: signed(body) })).toMatchObject({ status: 503, responseBody: { message: 'Service Unavailable' }, items: undefined });
		expect(mock.requests.map((r) => r.path)).toEqual(['/api/v1/webhooks/json_public_key']);
		expect(warnings(t)).toEqual([expect.stringMatching(/^Lago Trigger: answered 1 request 503 in the last minute: could not check webhook signatures: \S/)]);
	});

	test('two triggers on one Lago URL with different API keys each read, and accept, only their own organisation', async () => {
		// Lago Cloud: one URL, one signing key, many organisations. The organisation read is kept per URL and API key.
		mock.handler = (req) => ok({ webhook_endpoints: [{ lago_organization_id: req.headers.authorization === 'Bearer key-of-a' ? 'org-a' : 'org-b' }] });
		const trigger = (apiKey: string) =>
			new TriggerUnderTest(suite.params({ signatureAlgorithm: 'hmac' }), suite.credentials({ baseUrl: mock.url, apiKey }), { workflowId: suite.workflowId(), staticData: {} });
		const a = trigger('key-of-a');
		const b = trigger('key-of-b');
		const ofA = payload({ organization_id: 'org-a' });
		const ofB = payload({ organization_id: 'org-b' });
		expect(await a.deliver({ body: ofA, headers: signed(ofA, 'hmac') })).toMatchObject({ status: 200, items: [JSON.parse(ofA)] });
		expect(await b.deliver({ body: ofA, headers: signed(ofA, 'hmac') })).toMatchObject({ status: 401, items: undefined });
		expect(await b.deliver({ body: ofB, headers: signed(ofB, 'hmac') })).toMatchObject({ status: 200, items: [JSON.parse(ofB)] });
		expect(mock.requests.map((r) => r.headers.authorization)).toEqual(['Bearer key-of-a', 'Bearer key-of-b']);
		expect([a.staticData.organizationId, b.staticData.organizationId]).toEqual(['org-a', 'org-b']);
	});

	test('Lago showing no organisation answers 503 and stores nothing', async () => {
		mock.handler = () => ok({ webhook_endpoints: [] });
		const t = hmacTrigger(mock.url, {}, null);
		const body = payload();
		expect(await t.deliver({ body, headers: signed(body, 'hmac') })).toMatchObject({ status: 503, responseBody: { message: 'Service Unavailable' }, items: undefined });
		expect(t.staticData.organizationId).toBeUndefined();
	});
});

describe('the warnings count what they refused', () => {
	let offset = 0;
	beforeEach(() => {
		offset = 0;
		const realNow = Date.now.bind(Date);
		jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
	});
	afterEach(() => jest.restoreAllMocks());

	test("webhooks of another organisation: one line at once, the next minute one with the count", async () => {
		const t = await activeTrigger();
		for (let i = 0; i < 3; i++) {
			const body = payload({ organization_id: 'another-org', n: i });
			expect((await t.deliver({ body, headers: signed(body) })).status).toBe(401);
		}
		offset = 61_000;
		const body = payload({ organization_id: 'another-org', n: 3 });
		await t.deliver({ body, headers: signed(body) });
		expect(warnings(t)).toEqual([
			`Lago Trigger: refused 1 signed webhook from another Lago organisation than this trigger's (${ORGANIZATION_ID}) in the last minute`,
			`Lago Trigger: refused 3 signed webhooks from another Lago organisation than this trigger's (${ORGANIZATION_ID}) in the last minute`,
		]);
	});

	test('an organisation that cannot be read: the next minute, one line with the count', async () => {
		const mock = await startMock(() => ({ status: 401, body: { status: 401, error: 'Unauthorized' } }));
		try {
			const t = hmacTrigger(mock.url, {}, null);
			for (let i = 0; i < 3; i++) {
				const body = payload({ n: i });
				expect((await t.deliver({ body, headers: signed(body, 'hmac') })).status).toBe(503);
			}
			offset = 61_000;
			const body = payload({ n: 3 });
			await t.deliver({ body, headers: signed(body, 'hmac') });
			expect(warnings(t)[1]).toMatch(/^Lago Trigger: answered 3 requests 503 in the last minute: could not read the Lago organisation this trigger belongs to: \S/);
		} finally {
			await mock.close();
		}
	});
});

describe('events.errors', () => {
	const mock = useMockLago(() => ok({}));
	afterEach(() => jest.restoreAllMocks());

	test('without Look Up Events the failed events are items as Lago named them, and nothing is looked up', async () => {
		const t = hmacTrigger(mock.url, { options: { splitEventErrors: true } });
		const body = eventsErrors({ invalid_code: ['a', 'b'] });
		const r = await t.deliver({ body, headers: signed(body, 'hmac') });
		expect(r.items?.map((i) => [i.transaction_id, i.error, 'event' in i])).toEqual([
			['a', 'invalid_code', false],
			['b', 'invalid_code', false],
		]);
		expect(mock.requests).toHaveLength(0);
	});

	test('only an events.errors webhook is split: another type carrying an events_errors field is one item', async () => {
		const t = hmacTrigger(mock.url, { options: { splitEventErrors: true, lookUpEvents: true } });
		const body = payload({ events_errors: { invalid_code: ['a', 'b'] } });
		expect((await t.deliver({ body, headers: signed(body, 'hmac') })).items).toEqual([JSON.parse(body)]);
		expect(mock.requests).toHaveLength(0);
	});

	test('events.errors naming no failed event is one item, the payload', async () => {
		const t = hmacTrigger(mock.url, { options: { lookUpEvents: true } });
		const body = eventsErrors({ invalid_code: [], missing_aggregation_property: [] });
		expect((await t.deliver({ body, headers: signed(body, 'hmac') })).items).toEqual([JSON.parse(body)]);
		expect(mock.requests).toHaveLength(0);
	});

	test("a look-up gives Lago's event, or the whole answer when it has no event key", async () => {
		mock.handler = (req) => (req.path.endsWith('/a%2Fb') ? ok({ event: { transaction_id: 'a/b', code: 'api_call' } }) : ok({ transaction_id: 'c', code: 'storage' }));
		const t = hmacTrigger(mock.url, { options: { lookUpEvents: true } });
		const body = eventsErrors({ invalid_code: ['a/b', 'c'] });
		const r = await t.deliver({ body, headers: signed(body, 'hmac') });
		expect(mock.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /api/v1/events/a%2Fb', 'GET /api/v1/events/c']);
		expect(r.items?.map((i) => i.event)).toEqual([
			{ transaction_id: 'a/b', code: 'api_call' },
			{ transaction_id: 'c', code: 'storage' },
		]);
		expect(r.items?.map((i) => i.lookup_error)).toEqual([undefined, undefined]);
	});

	test('look-ups stop after 20 s: the events not looked up say so', async () => {
		const realNow = Date.now.bind(Date);
		let offset = 0;
		jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
		// The first look-up takes (as the clock sees it) 20.5 s.
		mock.handler = (req) => {
			offset = 20_500;
			return ok({ event: { transaction_id: decodeURIComponent(req.path.split('/').pop() ?? '') } });
		};
		const t = hmacTrigger(mock.url, { options: { lookUpEvents: true } });
		const body = eventsErrors({ invalid_code: ['first', 'second'] });
		const r = await t.deliver({ body, headers: signed(body, 'hmac') });
		expect(mock.requests).toHaveLength(1);
		expect(r.items?.[0]).toMatchObject({ transaction_id: 'first', event: { transaction_id: 'first' } });
		expect(r.items?.[1]).toMatchObject({
			transaction_id: 'second',
			event: null,
			lookup_error: "Not looked up: look-ups stop after 20 s so that Lago gets its answer in time. Use the Lago node's Event › Get with this transaction ID.",
		});
	});
});

describe('the look-up budget boundary', () => {
	let mock: MockLago;
	afterEach(async () => {
		jest.restoreAllMocks();
		await mock.close();
	});

	test('a look-up starting exactly 20 s after the first still goes out; one after does not', async () => {
		// A clock that only moves when Lago answers: the first answer moves it to the 20 s mark, the second past it.
		const start = Date.now();
		let now = start;
		jest.spyOn(Date, 'now').mockImplementation(() => now);
		mock = await startMock((req, i) => {
			now = start + 20_000 + i;
			return ok({ event: { transaction_id: decodeURIComponent(req.path.split('/').pop() ?? '') } });
		});
		const t = hmacTrigger(mock.url, { options: { lookUpEvents: true } });
		const body = eventsErrors({ invalid_code: ['first', 'second', 'third'] });
		const r = await t.deliver({ body, headers: signed(body, 'hmac') });
		expect(mock.requests.map((q) => q.path)).toEqual(['/api/v1/events/first', '/api/v1/events/second']);
		expect(r.items?.map((i) => i.lookup_error === undefined)).toEqual([true, true, false]);
	});
});

describe('which deliveries count as the same', () => {
	test('two different bodies under one unique key: the second is a retry of the first', async () => {
		const t = await activeTrigger();
		const first = payload({ invoice: { lago_id: 'inv-1' } });
		const second = payload({ invoice: { lago_id: 'inv-2' } });
		expect((await t.deliver({ body: first, headers: signed(first, 'jwt', 'uk-same') })).items).toHaveLength(1);
		expect(await t.deliver({ body: second, headers: signed(second, 'jwt', 'uk-same') })).toMatchObject({ status: 200, responseBody: { message: 'Already received' }, items: undefined });
	});

	test('the same delivery to two trigger nodes of one workflow starts both', async () => {
		const workflowId = suite.workflowId();
		const staticData = () => ({ 'node:Lago Trigger': { organizationId: ORGANIZATION_ID } });
		const a = new TriggerUnderTest(suite.params(), suite.credentials(), { workflowId, nodeId: 'node-a', staticData: staticData() });
		const b = new TriggerUnderTest(suite.params(), suite.credentials(), { workflowId, nodeId: 'node-b', staticData: staticData() });
		const body = payload();
		const headers = signed(body);
		expect((await a.deliver({ body, headers })).items).toHaveLength(1);
		expect((await b.deliver({ body, headers })).items).toHaveLength(1);
		expect((await b.deliver({ body, headers })).responseBody).toEqual({ message: 'Already received' });
	});

	test('the same delivery to the same node in two workflows starts both', async () => {
		const staticData = () => ({ 'node:Lago Trigger': { organizationId: ORGANIZATION_ID } });
		const a = new TriggerUnderTest(suite.params(), suite.credentials(), { workflowId: suite.workflowId(), staticData: staticData() });
		const b = new TriggerUnderTest(suite.params(), suite.credentials(), { workflowId: suite.workflowId(), staticData: staticData() });
		const body = payload();
		const headers = signed(body);
		expect((await a.deliver({ body, headers })).items).toHaveLength(1);
		expect((await b.deliver({ body, headers })).items).toHaveLength(1);
	});
});
