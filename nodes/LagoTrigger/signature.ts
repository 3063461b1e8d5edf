import { createHmac, createPublicKey, timingSafeEqual, verify as verifySignature } from 'crypto';
import type { KeyObject } from 'crypto';

/**
 * Lago's two webhook signatures (lago-api `app/models/webhook.rb`), checked against the bytes n8n received:
 * - jwt: `JWT.encode({ data: body, iss: <Lago's URL> }, <instance RSA key>, "RS256")`, so the signed `data` claim is
 *   the body itself. `iss` is not checked: it is the URL Lago believes it has, which differs behind a proxy.
 * - hmac: base64 of HMAC-SHA256(<organisation HMAC key>, body).
 * Every function answers only true or false: why a signature failed is never told to the sender.
 */

export type SignatureAlgorithm = 'jwt' | 'hmac';

/** Lago signs a few kilobytes; anything far larger is not a Lago signature and is not parsed. */
const MAX_SIGNATURE_LENGTH = 64 * 1024;

function base64UrlDecode(part: string): Buffer | undefined {
	if (part === '' || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
	return Buffer.from(part, 'base64url');
}

function parseJson(buffer: Buffer | undefined): unknown {
	if (!buffer) return undefined;
	try {
		return JSON.parse(buffer.toString('utf8'));
	} catch {
		return undefined;
	}
}

/**
 * The public key as Lago serves it: base64 of a PEM (both routes), or a PEM already. Throws when it is neither, so
 * activation can say so instead of every delivery failing.
 */
export function parsePublicKey(served: string): KeyObject {
	const text = served.trim();
	const pem = text.startsWith('-----BEGIN') ? text : Buffer.from(text, 'base64').toString('utf8');
	const key = createPublicKey(pem);
	if (key.asymmetricKeyType !== 'rsa') throw new Error(`Lago's webhook public key is ${key.asymmetricKeyType ?? 'not'} an RSA key`);
	return key;
}

/** True when `token` is an RS256 JWT signed by `publicKey` whose `data` claim is exactly `rawBody`. */
export function verifyJwt(token: unknown, rawBody: Buffer, publicKey: KeyObject): boolean {
	if (typeof token !== 'string' || token.length > MAX_SIGNATURE_LENGTH) return false;
	const parts = token.trim().split('.');
	if (parts.length !== 3) return false;
	const [headerPart, payloadPart, signaturePart] = parts;
	const header = parseJson(base64UrlDecode(headerPart)) as { alg?: unknown; typ?: unknown } | undefined;
	// Only RS256: "none", HS256 (signed with the public key as a secret) and every other algorithm are refused.
	if (!header || typeof header !== 'object' || header.alg !== 'RS256') return false;
	const signature = base64UrlDecode(signaturePart);
	if (!signature) return false;
	let valid = false;
	try {
		valid = verifySignature('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature);
	} catch {
		valid = false;
	}
	if (!valid) return false;
	const payload = parseJson(base64UrlDecode(payloadPart)) as { data?: unknown } | undefined;
	if (!payload || typeof payload !== 'object' || typeof payload.data !== 'string') return false;
	const data = Buffer.from(payload.data, 'utf8');
	return data.length === rawBody.length && timingSafeEqual(data, rawBody);
}

export function hmacSignature(rawBody: Buffer, hmacKey: string): string {
	return createHmac('sha256', hmacKey).update(rawBody).digest('base64');
}

/** True when `signature` is base64(HMAC-SHA256(hmacKey, rawBody)), compared in constant time. */
export function verifyHmac(signature: unknown, rawBody: Buffer, hmacKey: string): boolean {
	if (typeof signature !== 'string' || signature.length > MAX_SIGNATURE_LENGTH || hmacKey === '') return false;
	const expected = Buffer.from(hmacSignature(rawBody, hmacKey));
	const received = Buffer.from(signature.trim());
	return received.length === expected.length && timingSafeEqual(received, expected);
}
