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

/**
 * Lago's JWT carries the whole body, so its length follows the body's: about 1.4 times it (base64 of the body as an
 * escaped JSON string). n8n's HTTP server already bounds every header (Node's 16 KB, or what
 * `NODE_OPTIONS=--max-http-header-size=<bytes>` sets), so the node's own cap only has to sit above any size that
 * setting is documented for (the README documents up to 8 MB); a longer header is never parsed.
 */
export const MAX_JWT_LENGTH = 32 * 1024 * 1024;
/** base64 of a SHA-256 digest is 44 characters. */
const MAX_HMAC_LENGTH = 256;

/** The bytes of a part that is wholly base64url and not empty; undefined otherwise (Node's decoder would take more). */
function base64UrlDecode(part: string): Buffer | undefined {
	if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
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
export const NOT_RSA = "Lago's webhook public key is not an RSA key (Lago signs webhooks with RS256)";

export function parsePublicKey(served: string): KeyObject {
	const text = served.trim();
	const pem = text.startsWith('-----BEGIN') ? text : Buffer.from(text, 'base64').toString('utf8');
	const key = createPublicKey(pem);
	if (key.asymmetricKeyType !== 'rsa') throw new Error(NOT_RSA);
	return key;
}

/** True when `token` is an RS256 JWT signed by `publicKey` whose `data` claim is exactly `rawBody`. */
export function verifyJwt(token: unknown, rawBody: Buffer, publicKey: KeyObject): boolean {
	if (typeof token !== 'string' || token.length > MAX_JWT_LENGTH) return false;
	const parts = token.trim().split('.');
	if (parts.length !== 3) return false;
	const [headerPart, payloadPart, signaturePart] = parts;
	// A header that is JSON but not an object (a string, a number, an array) has no `alg` and is refused like any other.
	const header = parseJson(base64UrlDecode(headerPart)) as { alg?: unknown; typ?: unknown } | null | undefined;
	// Only RS256: "none", HS256 (signed with the public key as a secret) and every other algorithm are refused.
	if (!header || header.alg !== 'RS256') return false;
	const signature = base64UrlDecode(signaturePart);
	if (!signature || !rs256Valid(Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature)) return false;
	const payload = parseJson(base64UrlDecode(payloadPart)) as { data?: unknown } | null | undefined;
	if (!payload || typeof payload.data !== 'string') return false;
	const data = Buffer.from(payload.data, 'utf8');
	return data.length === rawBody.length && timingSafeEqual(data, rawBody);
}

/** Whether `signature` is `publicKey`'s RS256 signature of `input`; false, never a throw, for a key that cannot verify it. */
function rs256Valid(input: Buffer, publicKey: KeyObject, signature: Buffer): boolean {
	try {
		return verifySignature('RSA-SHA256', input, publicKey, signature);
	} catch {
		return false;
	}
}

export function hmacSignature(rawBody: Buffer, hmacKey: string): string {
	return createHmac('sha256', hmacKey).update(rawBody).digest('base64');
}

/** True when `signature` is base64(HMAC-SHA256(hmacKey, rawBody)), compared in constant time. */
export function verifyHmac(signature: unknown, rawBody: Buffer, hmacKey: string): boolean {
	if (typeof signature !== 'string' || signature.length > MAX_HMAC_LENGTH || hmacKey === '') return false;
	const expected = Buffer.from(hmacSignature(rawBody, hmacKey));
	const received = Buffer.from(signature.trim());
	return received.length === expected.length && timingSafeEqual(received, expected);
}

/**
 * The algorithm the trigger uses. `auto` (the default from node version 2) is HMAC when the credential has a Webhook
 * HMAC Key: HMAC's signature is 44 characters whatever the body's size, while Lago's JWT carries the whole body in a
 * header that n8n refuses past 16 KB.
 */
export function resolveAlgorithm(chosen: string, credentials: { webhookHmacKey?: unknown }): SignatureAlgorithm {
	if (chosen === 'jwt' || chosen === 'hmac') return chosen;
	return String(credentials.webhookHmacKey ?? '').trim() ? 'hmac' : 'jwt';
}
