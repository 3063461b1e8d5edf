import { createHmac, generateKeyPairSync, sign } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { alreadyStarted, clearProcessRecords, deliveryKeys, MAX_RECORDS, prune, recordStarted, RECORD_TTL_MS } from '../../nodes/LagoTrigger/deliveries';
import { splitEventErrors } from '../../nodes/LagoTrigger/eventErrors';
import { EVENT_TYPES, eventTypeName, eventTypeOptions, isSelected, normaliseEventTypes } from '../../nodes/LagoTrigger/eventTypes';
import { endpointMatches, sameEventTypes } from '../../nodes/LagoTrigger/endpoints';
import { hmacSignature, MAX_JWT_LENGTH, NOT_RSA, parsePublicKey, resolveAlgorithm, verifyHmac, verifyJwt } from '../../nodes/LagoTrigger/signature';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const key = parsePublicKey(Buffer.from(pem).toString('base64'));
const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const body = '{"webhook_type":"invoice.created","object_type":"invoice","invoice":{"lago_id":"inv_1"}}';

function jwt(payload: object, signer = privateKey, header: object = { alg: 'RS256' }): string {
	const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
	return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), signer))}`;
}

describe('verifyJwt', () => {
	const raw = Buffer.from(body);
	test('accepts Lago\'s RS256 token whose data claim is the body, whatever its iss', () => {
		expect(verifyJwt(jwt({ data: body, iss: 'https://lago.internal:3000' }), raw, key)).toBe(true);
	});
	test('reads the key as Lago serves it (base64 of a PEM) and as a PEM', () => {
		expect(verifyJwt(jwt({ data: body }), raw, parsePublicKey(pem))).toBe(true);
		expect(() => parsePublicKey('bm90IGEga2V5')).toThrow();
	});
	test.each([
		['another key', () => jwt({ data: body }, other.privateKey)],
		['alg none', () => `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ data: body }))}.`],
		['HS256 with the public key as secret', () => {
			const input = `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ data: body }))}`;
			return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
		}],
		['a different body in data', () => jwt({ data: body.replace('inv_1', 'inv_2') })],
		['data as an object', () => jwt({ data: JSON.parse(body) })],
		['no data claim', () => jwt({ iss: 'x' })],
		['truncated', () => jwt({ data: body }).slice(0, -12)],
		['two parts', () => jwt({ data: body }).split('.').slice(0, 2).join('.')],
		['four parts', () => `${jwt({ data: body })}.x`],
		['not base64url', () => jwt({ data: body }).replace(/\./, '.*')],
		['empty', () => ''],
		['huge', () => 'a'.repeat(70_000)],
	])('refuses %s', (_name, token) => {
		expect(verifyJwt(token(), raw, key)).toBe(false);
	});
	test('refuses a body that differs by one trailing byte', () => {
		expect(verifyJwt(jwt({ data: body }), Buffer.from(`${body}\n`), key)).toBe(false);
	});
	test('refuses non-strings', () => {
		expect(verifyJwt(undefined, raw, key)).toBe(false);
		expect(verifyJwt(['a.b.c'], raw, key)).toBe(false);
	});
});

describe('verifyHmac', () => {
	const raw = Buffer.from(body);
	test('accepts base64 HMAC-SHA256 of the raw body with the key', () => {
		expect(verifyHmac(createHmac('sha256', 'k1').update(body).digest('base64'), raw, 'k1')).toBe(true);
		expect(hmacSignature(raw, 'k1')).toBe(createHmac('sha256', 'k1').update(body).digest('base64'));
	});
	test.each([
		['another key', createHmac('sha256', 'k2').update(body).digest('base64')],
		['hex instead of base64', createHmac('sha256', 'k1').update(body).digest('hex')],
		['another body', createHmac('sha256', 'k1').update(`${body} `).digest('base64')],
		['truncated', createHmac('sha256', 'k1').update(body).digest('base64').slice(0, 20)],
		['empty', ''],
	])('refuses %s', (_name, signature) => {
		expect(verifyHmac(signature, raw, 'k1')).toBe(false);
	});
	test('refuses everything when the key is empty', () => {
		expect(verifyHmac(createHmac('sha256', '').update(body).digest('base64'), raw, '')).toBe(false);
	});
});

describe('splitEventErrors', () => {
	test('one entry per failed transaction id, with its kind and a fix', () => {
		const items = splitEventErrors({
			webhook_type: 'events.errors',
			organization_id: 'org-1',
			events_errors: { invalid_code: ['t1', 't2'], missing_aggregation_property: ['t3'], missing_group_key: null, invalid_filter_values: ['t4'] },
		});
		expect(items.map((i) => [i.transaction_id, i.error])).toEqual([
			['t1', 'invalid_code'],
			['t2', 'invalid_code'],
			['t3', 'missing_aggregation_property'],
			['t4', 'invalid_filter_values'],
		]);
		expect(items[0]).toEqual({ webhook_type: 'events.errors', organization_id: 'org-1', transaction_id: 't1', error: 'invalid_code', fix: "No billable metric has this event's code. Create the metric in Lago (events already received then count), or re-send the event with the right code under a new transaction ID." });
	});
	test('keeps kinds Lago may add later, and skips nothing else', () => {
		const items = splitEventErrors({ events_errors: { new_kind: ['t9'], invalid_code: [42] } });
		expect(items.map((i) => [i.transaction_id, i.error])).toEqual([
			['42', 'invalid_code'],
			['t9', 'new_kind'],
		]);
		expect(items[1].fix).toContain('new_kind');
	});
	test('nothing for a payload without events_errors', () => {
		expect(splitEventErrors({ webhook_type: 'events.errors' })).toEqual([]);
	});
});

describe('event types', () => {
	test('the picker has All first, then every type once by readable name, sorted, without the deprecated event.error', () => {
		expect(eventTypeOptions[0]).toEqual({ name: 'All (Including Future Types)', value: '*', description: 'Every webhook Lago sends' });
		expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
		expect(EVENT_TYPES.length).toBeGreaterThanOrEqual(65);
		expect(EVENT_TYPES).not.toContain('event.error');
		const names = eventTypeOptions.slice(1).map((o) => o.name);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
		expect(eventTypeOptions.slice(1).map((o) => o.value).sort()).toEqual([...EVENT_TYPES].sort());
		expect(eventTypeOptions.find((o) => o.value === 'events.errors')).toEqual({
			name: 'Event Errors',
			value: 'events.errors',
			description: 'Lago could not bill some events it accepted, e.g. an unknown metric code (events.errors)',
		});
		expect(eventTypeName('invoice.one_off_created')).toBe('Invoice One-Off Created');
		expect(eventTypeName('customer.crm_provider_error')).toBe('Customer CRM Provider Error');
		expect(eventTypeName('wallet_transaction.payment_failure')).toBe('Wallet Transaction Payment Failure');
	});
	test('All wins; case and duplicates are normalised', () => {
		expect(normaliseEventTypes(['invoice.created', '*'])).toEqual(['*']);
		expect(normaliseEventTypes(['Invoice.Created', 'invoice.created', ''])).toEqual(['invoice.created']);
		expect(isSelected(['invoice.created'], 'invoice.created')).toBe(true);
		expect(isSelected(['invoice.created'], 'invoice.voided')).toBe(false);
		expect(isSelected(['invoice.created'], undefined)).toBe(false);
		expect(isSelected(['*'], 'anything.new')).toBe(true);
		// Lago's deprecated event.error is no longer offered, but a workflow that picked it keeps registering it.
		expect(normaliseEventTypes(['event.error', 'events.errors'])).toEqual(['event.error', 'events.errors']);
		expect(isSelected(['event.error'], 'event.error')).toBe(true);
	});
	test('an endpoint matches on URL, algorithm and types; null, [] and ["*"] are all types', () => {
		expect(sameEventTypes(null, ['*'])).toBe(true);
		expect(sameEventTypes(['b', 'a'], ['a', 'b'])).toBe(true);
		expect(sameEventTypes(['a'], ['a', 'b'])).toBe(false);
		const wanted = { url: 'http://x/w', signatureAlgo: 'jwt' as const, eventTypes: ['events.errors'] };
		expect(endpointMatches({ lago_id: '1', webhook_url: 'http://x/w', signature_algo: 'jwt', event_types: ['events.errors'] }, wanted)).toBe(true);
		expect(endpointMatches({ lago_id: '1', webhook_url: 'http://x/w', signature_algo: 'hmac', event_types: ['events.errors'] }, wanted)).toBe(false);
		expect(endpointMatches({ lago_id: '1', webhook_url: 'http://x/w', signature_algo: 'jwt', event_types: null }, wanted)).toBe(false);
		// A Lago from before event types renders no event_types: it sends everything and the node filters.
		expect(endpointMatches({ lago_id: '1', webhook_url: 'http://x/w', signature_algo: 'jwt' }, wanted)).toBe(true);
	});
});

describe('delivery records', () => {
	beforeEach(() => clearProcessRecords());
	test('a delivery is started once per key within the time-to-live, in static data that survives the process', () => {
		const data: IDataObject = {};
		const keys = deliveryKeys(Buffer.from(body), 'uk-1');
		expect(alreadyStarted(data, 's', keys, 0)).toBe(false);
		recordStarted(data, 's', keys, 0);
		clearProcessRecords(); // a restart: only the static data is left
		expect(alreadyStarted(data, 's', keys, 1000)).toBe(true);
		expect(alreadyStarted(data, 's', keys, RECORD_TTL_MS + 1000)).toBe(false);
		// The same body under another unique key is the same delivery replayed.
		expect(alreadyStarted(data, 's', deliveryKeys(Buffer.from(body), 'attacker'), 1000)).toBe(true);
	});
	test('keys are stored hashed: a 15,000-character unique key is 23 characters', () => {
		const data: IDataObject = {};
		recordStarted(data, 's', deliveryKeys(Buffer.from('b'), 'x'.repeat(15_000)), 0);
		const stored = Object.keys(data.deliveries as object);
		expect(stored).toHaveLength(2);
		for (const k of stored) expect(k).toHaveLength(23);
		expect(JSON.stringify(data).length).toBeLessThan(100);
	});
	test('each trigger keeps at most MAX_RECORDS, dropping the oldest; expired ones go first', () => {
		const data: IDataObject = {};
		for (let i = 0; i < MAX_RECORDS + 500; i++) recordStarted(data, 's', deliveryKeys(Buffer.from(`b${i}`), undefined), i * 1000);
		expect(Object.keys(data.deliveries as object)).toHaveLength(MAX_RECORDS);
		const records = { kA: 0, kB: 100, kC: 200 };
		prune(records, 50 + RECORD_TTL_MS / 1000, 10);
		expect(records).toEqual({ kB: 100, kC: 200 });
	});
	test('two triggers have their own records: one cannot evict the other\'s', () => {
		const a: IDataObject = {};
		const b: IDataObject = {};
		const keysA = deliveryKeys(Buffer.from('to-a'), 'ua');
		recordStarted(a, 'A', keysA, 0);
		for (let i = 0; i < 10_001; i++) recordStarted(b, 'B', deliveryKeys(Buffer.from(`to-b-${i}`), `ub${i}`), 0);
		expect(alreadyStarted(a, 'A', keysA, 1)).toBe(true);
		clearProcessRecords();
		expect(alreadyStarted(a, 'A', keysA, 1)).toBe(true);
	});
});

describe('public key and algorithm', () => {
	test('a key of another type gets one fixed message', () => {
		const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
		const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
		expect(() => parsePublicKey(ec)).toThrow(NOT_RSA);
		expect(() => parsePublicKey(ed)).toThrow(NOT_RSA);
		expect(NOT_RSA).toBe("Lago's webhook public key is not an RSA key (Lago signs webhooks with RS256)");
	});
	test('a JWT as long as a 100 KB body needs is verified (the cap fits --max-http-header-size up to 8 MB)', () => {
		const big = JSON.stringify({ webhook_type: 'events.errors', organization_id: 'o', events_errors: { invalid_code: Array.from({ length: 3000 }, (_, i) => `transaction-${i}-xxxxxxxxxxxxxxxx`) } });
		expect(big.length).toBeGreaterThan(100_000);
		const token = jwt({ data: big });
		expect(token.length).toBeGreaterThan(64 * 1024);
		expect(verifyJwt(token, Buffer.from(big), key)).toBe(true);
		expect(MAX_JWT_LENGTH).toBeGreaterThanOrEqual(Math.ceil(8 * 1024 * 1024 * 1.0));
	});
	test('auto is HMAC when the credential has an HMAC key, JWT otherwise; explicit choices stay', () => {
		expect(resolveAlgorithm('auto', { webhookHmacKey: 'k' })).toBe('hmac');
		expect(resolveAlgorithm('auto', { webhookHmacKey: '  ' })).toBe('jwt');
		expect(resolveAlgorithm('auto', {})).toBe('jwt');
		expect(resolveAlgorithm('jwt', { webhookHmacKey: 'k' })).toBe('jwt');
		expect(resolveAlgorithm('hmac', {})).toBe('hmac');
	});
});
