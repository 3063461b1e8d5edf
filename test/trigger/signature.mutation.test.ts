import { generateKeyPairSync, sign } from 'crypto';

import { hmacSignature, parsePublicKey, verifyHmac, verifyJwt } from '../../nodes/LagoTrigger/signature';

/** Edges of the signature checks that signature.test.ts and signatureEdges.test.ts do not reach (issue 23). */

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }) as string);
const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const body = '{"webhook_type":"invoice.created"}';
const raw = Buffer.from(body);

/** A token over exactly these header and payload parts, validly signed. */
function signed(headerPart: string, payloadPart: string): string {
	const input = `${headerPart}.${payloadPart}`;
	return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), privateKey))}`;
}
const header = b64url('{"alg":"RS256"}');
const payload = b64url(JSON.stringify({ data: body }));

describe('verifyJwt: every part must be base64url, whole', () => {
	test('the parts as built are accepted', () => {
		expect(verifyJwt(signed(header, payload), raw, key)).toBe(true);
	});

	test.each([
		['a header with a character base64url does not have, first', () => signed(`+${header}`, payload)],
		['a header with a character base64url does not have, last', () => signed(`${header}=`, payload)],
		['a payload with padding', () => signed(header, `${payload}==`)],
		['a payload with a character base64url does not have, first', () => signed(header, `/${payload}`)],
		['a signature with padding', () => `${signed(header, payload)}=`],
		['a signature with a character base64url does not have, first', () => {
			const [h, p, s] = signed(header, payload).split('.');
			return `${h}.${p}.+${s}`;
		}],
		['an empty header', () => signed('', payload)],
		['an empty payload', () => signed(header, '')],
	])('a validly signed token with %s is refused', (_name, token) => {
		expect(verifyJwt(token(), raw, key)).toBe(false);
	});
	// Node's base64url decoder also reads standard base64 ('+' and '/'), so only the whole-part check refuses it: a
	// part checked at its end only would decode to the very same header and pass.
	test('a validly signed token whose header is standard base64 (with "/" and "+") is refused, though it decodes to the same header', () => {
		const json = '{"alg":"RS256","kid":"??#>>"}';
		const standard = Buffer.from(json).toString('base64').replace(/=+$/, '');
		expect(standard).toBe('eyJhbGciOiJSUzI1NiIsImtpZCI6Ij8/Iz4+In0');
		expect(Buffer.from(standard, 'base64url').toString('utf8')).toBe(json);
		expect(verifyJwt(signed(b64url(json), payload), raw, key)).toBe(true);
		expect(verifyJwt(signed(standard, payload), raw, key)).toBe(false);
	});
});

describe('verifyJwt: header and claims', () => {
	test.each([
		['a header that is a JSON string', () => signed(b64url('"RS256"'), payload)],
		['a header that is a JSON array', () => signed(b64url('["RS256"]'), payload)],
		['alg in lower case', () => signed(b64url('{"alg":"rs256"}'), payload)],
		['a payload that is null', () => signed(header, b64url('null'))],
		['a payload that is a JSON string', () => signed(header, b64url(JSON.stringify(body)))],
		['a payload that is not JSON', () => signed(header, b64url('{data:'))],
		['data as a number', () => signed(header, b64url('{"data":7}'))],
		['data as an array holding the body', () => signed(header, b64url(JSON.stringify({ data: [body] })))],
	])('a validly signed token with %s is refused', (_name, token) => {
		expect(verifyJwt(token(), raw, key)).toBe(false);
	});

	// verifyJwt takes any KeyObject; Node throws ("invalid digest") when asked to check RSA-SHA256 with an Ed25519 key.
	test('a key that cannot check RS256 (Ed25519) refuses a validly signed token without throwing', () => {
		const ed25519 = generateKeyPairSync('ed25519').publicKey;
		const token = signed(header, payload);
		expect(() => verifyJwt(token, raw, ed25519)).not.toThrow();
		expect(verifyJwt(token, raw, ed25519)).toBe(false);
		expect(verifyJwt(token, raw, key)).toBe(true);
	});

	test('a header that is null is refused without throwing', () => {
		expect(() => verifyJwt(signed(b64url('null'), payload), raw, key)).not.toThrow();
		expect(verifyJwt(signed(b64url('null'), payload), raw, key)).toBe(false);
	});

	test('data is compared as UTF-8 bytes', () => {
		const text = '{"name":"Zoë"}';
		expect(verifyJwt(signed(header, b64url(JSON.stringify({ data: text }))), Buffer.from(text, 'utf8'), key)).toBe(true);
		expect(verifyJwt(signed(header, b64url(JSON.stringify({ data: text }))), Buffer.from(text, 'latin1'), key)).toBe(false);
	});

	test('a body shorter than data is refused, not thrown on', () => {
		expect(verifyJwt(signed(header, payload), raw.subarray(0, raw.length - 1), key)).toBe(false);
	});

	test('a signature that is not the right size for the key is refused', () => {
		const [h, p] = signed(header, payload).split('.');
		expect(verifyJwt(`${h}.${p}.${b64url(Buffer.alloc(8, 1))}`, raw, key)).toBe(false);
	});
});

describe('verifyHmac: the length cap is 256 characters, whitespace included', () => {
	const signature = hmacSignature(raw, 'k1');

	test('a base64 HMAC-SHA256 is 44 characters', () => {
		expect(signature).toHaveLength(44);
	});

	test('256 characters with padding spaces are read; 257 are refused', () => {
		expect(verifyHmac(signature + ' '.repeat(256 - 44), raw, 'k1')).toBe(true);
		expect(verifyHmac(signature + ' '.repeat(257 - 44), raw, 'k1')).toBe(false);
	});

	test('a signature of another length is refused, not thrown on', () => {
		expect(verifyHmac(signature.slice(0, -1), raw, 'k1')).toBe(false);
		expect(verifyHmac(`${signature}A`, raw, 'k1')).toBe(false);
		expect(verifyHmac('', raw, 'k1')).toBe(false);
	});

	test('the same signature checked with another key is refused', () => {
		expect(verifyHmac(signature, raw, 'k2')).toBe(false);
	});
});
