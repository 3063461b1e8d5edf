import { generateKeyPairSync, sign } from 'crypto';

import { hmacSignature, parsePublicKey, verifyHmac, verifyJwt } from '../../nodes/LagoTrigger/signature';

/** The documented cap: room for a header of 32 MiB, far above any header size n8n can be started with (README). */
const JWT_CAP = 32 * 1024 * 1024;

/** Edges of the signature checks: the size limit, surrounding whitespace, and the key forms Lago serves. */

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const key = parsePublicKey(pem);
const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function jwt(payload: object, header: object = { alg: 'RS256' }): string {
	const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
	return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), privateKey))}`;
}

/** A genuine Lago-style token exactly `length` characters long, and the body it signs. */
function tokenOfLength(length: number): { token: string; body: string } {
	const fixed = jwt({ data: '' }).length - b64url(JSON.stringify({ data: '' })).length;
	const wrapper = JSON.stringify({ data: '' }).length;
	// Unpadded base64url of m bytes is ceil(4m / 3) characters: found arithmetically, then built once and checked.
	for (let n = Math.floor(((length - fixed) * 3) / 4) - wrapper - 4; n < length; n++) {
		if (fixed + Math.ceil(((n + wrapper) * 4) / 3) !== length) continue;
		const body = 'x'.repeat(n);
		const token = jwt({ data: body });
		if (token.length !== length) throw new Error(`token of ${token.length} characters, wanted ${length}`);
		return { token, body };
	}
	throw new Error(`no token of length ${length}`);
}

describe('verifyJwt edges', () => {
	test('a genuine token of exactly 32 MiB is checked; one of 32 MiB + 2 is refused unread', () => {
		const at = tokenOfLength(JWT_CAP);
		expect(verifyJwt(at.token, Buffer.from(at.body), key)).toBe(true);
		const over = tokenOfLength(JWT_CAP + 2);
		expect(verifyJwt(over.token, Buffer.from(over.body), key)).toBe(false);
	});

	test('spaces or a line break around the header value are ignored', () => {
		const body = '{"a":1}';
		expect(verifyJwt(` ${jwt({ data: body })}\n`, Buffer.from(body), key)).toBe(true);
	});

	test('a typ header and extra claims do not matter; only alg RS256 does', () => {
		const body = '{"a":1}';
		expect(verifyJwt(jwt({ data: body, iss: 'x', iat: 1 }, { alg: 'RS256', typ: 'JWT' }), Buffer.from(body), key)).toBe(true);
		expect(verifyJwt(jwt({ data: body }, { alg: 'RS512' }), Buffer.from(body), key)).toBe(false);
		expect(verifyJwt(jwt({ data: body }, {}), Buffer.from(body), key)).toBe(false);
	});

	test('a header or payload that is not JSON is refused', () => {
		const body = '{"a":1}';
		const [, payload, signature] = jwt({ data: body }).split('.');
		expect(verifyJwt(`${b64url('not json')}.${payload}.${signature}`, Buffer.from(body), key)).toBe(false);
		expect(verifyJwt(`${b64url('null')}.${payload}.${signature}`, Buffer.from(body), key)).toBe(false);
	});

	test('an empty signature part is refused', () => {
		const body = '{"a":1}';
		const [header, payload] = jwt({ data: body }).split('.');
		expect(verifyJwt(`${header}.${payload}.`, Buffer.from(body), key)).toBe(false);
	});

	test('a body of the same length with one byte changed is refused', () => {
		const body = '{"total":100}';
		expect(verifyJwt(jwt({ data: body }), Buffer.from('{"total":900}'), key)).toBe(false);
	});
});

describe('verifyHmac edges', () => {
	const body = Buffer.from('{"a":1}');

	test('spaces or a line break around the signature are ignored', () => {
		expect(verifyHmac(` ${hmacSignature(body, 'k1')}\n`, body, 'k1')).toBe(true);
	});

	test('non-strings and an over-long value are refused', () => {
		expect(verifyHmac(undefined, body, 'k1')).toBe(false);
		expect(verifyHmac([hmacSignature(body, 'k1')], body, 'k1')).toBe(false);
		expect(verifyHmac(`${hmacSignature(body, 'k1')}${' '.repeat(70_000)}`, body, 'k1')).toBe(false);
	});

	test('the signature is base64 of HMAC-SHA256, written out for one known input', () => {
		expect(hmacSignature(body, 'k1')).toBe('RyGHWFFXVtho4XKl4DeaFn+xDjCBEfDvE7SdXWfWcZs=');
		expect(verifyHmac('RyGHWFFXVtho4XKl4DeaFn+xDjCBEfDvE7SdXWfWcZs=', body, 'k1')).toBe(true);
	});
});

describe('parsePublicKey', () => {
	test('reads a PEM with surrounding whitespace, and base64 of a PEM', () => {
		expect(parsePublicKey(`\n  ${pem}  \n`).asymmetricKeyType).toBe('rsa');
		expect(parsePublicKey(Buffer.from(pem).toString('base64')).asymmetricKeyType).toBe('rsa');
	});

	test('refuses a key that is not RSA, with one fixed message', () => {
		const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
		expect(() => parsePublicKey(ec)).toThrow("Lago's webhook public key is not an RSA key (Lago signs webhooks with RS256)");
	});
});
