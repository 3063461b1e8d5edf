import { createHmac, generateKeyPairSync, sign } from 'crypto';

import { bodyKey, deliveryKey, DeliveryLog } from '../../nodes/LagoTrigger/deliveries';
import { splitEventErrors } from '../../nodes/LagoTrigger/eventErrors';
import { EVENT_TYPES, eventTypeOptions, isSelected, normaliseEventTypes } from '../../nodes/LagoTrigger/eventTypes';
import { endpointMatches, sameEventTypes } from '../../nodes/LagoTrigger/endpoints';
import { hmacSignature, parsePublicKey, verifyHmac, verifyJwt } from '../../nodes/LagoTrigger/signature';

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
	test('the picker has All first, then every type once, grouped as Lago\'s docs', () => {
		expect(eventTypeOptions[0].value).toBe('*');
		expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
		expect(EVENT_TYPES.length).toBeGreaterThanOrEqual(65);
		const groups = Array.from(new Set(eventTypeOptions.slice(1).map((o) => o.name.split(':')[0])));
		expect(groups).toEqual(['Events', 'Invoices', 'Subscriptions and Fees', 'Customers', 'Wallets and Credits', 'Payments', 'Credit Notes', 'Alerts', 'Others']);
	});
	test('All wins; case and duplicates are normalised', () => {
		expect(normaliseEventTypes(['invoice.created', '*'])).toEqual(['*']);
		expect(normaliseEventTypes(['Invoice.Created', 'invoice.created', ''])).toEqual(['invoice.created']);
		expect(isSelected(['invoice.created'], 'invoice.created')).toBe(true);
		expect(isSelected(['invoice.created'], 'invoice.voided')).toBe(false);
		expect(isSelected(['invoice.created'], undefined)).toBe(false);
		expect(isSelected(['*'], 'anything.new')).toBe(true);
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

describe('DeliveryLog', () => {
	test('says first time once per key, within its time-to-live', () => {
		const log = new DeliveryLog(10, 1000);
		expect(log.firstTime('a', 0)).toBe(true);
		expect(log.firstTime('a', 500)).toBe(false);
		expect(log.firstTime('a', 1500)).toBe(true);
		log.forget('a');
		expect(log.firstTime('a', 1600)).toBe(true);
	});
	test('holds at most maxEntries, dropping the oldest', () => {
		const log = new DeliveryLog(100, 60_000);
		for (let i = 0; i < 1000; i++) log.firstTime(`k${i}`, i);
		expect(log.size).toBe(100);
		expect(log.firstTime('k999', 1000)).toBe(false);
		expect(log.firstTime('k0', 1000)).toBe(true);
	});
	test('keys are per trigger node', () => {
		expect(deliveryKey('wf1\u0000n1', 'u')).not.toBe(deliveryKey('wf2\u0000n1', 'u'));
		expect(bodyKey('s', Buffer.from('a'))).not.toBe(bodyKey('s', Buffer.from('b')));
	});
});
