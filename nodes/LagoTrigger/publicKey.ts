import type { KeyObject } from 'crypto';
import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';

import { lagoApiError } from '../shared/errors';
import { responseError, sendToLago } from '../shared/transport';
import type { RetryPolicy } from '../shared/transport';
import { parsePublicKey } from './signature';

/**
 * Lago's webhook public key, one per Lago server, fetched once and kept. A signature that fails with a key older
 * than REFETCH_AFTER_MS makes one fresh fetch (Lago's key may have rotated); a stream of forged requests therefore
 * costs Lago at most one key request per minute.
 */

const REFETCH_AFTER_MS = 60_000;

/** Short: during a delivery Lago waits at most 30 s for n8n's answer. */
const KEY_RETRY: RetryPolicy = { maxAttempts: 3, maxRetryTimeMs: 8_000, initialDelayMs: 250 };

interface CachedKey {
	key: KeyObject;
	fetchedAt: number;
}

const cache = new Map<string, CachedKey>();

async function fetchPublicKey(this: IHookFunctions | IWebhookFunctions): Promise<KeyObject> {
	let response = await sendToLago.call(this, { method: 'GET', path: '/webhooks/json_public_key' }, KEY_RETRY);
	let served: unknown;
	if (response.status === 200) {
		served = ((response.body as IDataObject | undefined)?.webhook as IDataObject | undefined)?.public_key;
	} else if (response.status === 404) {
		// Lago servers from before json_public_key answer only the older route, with the base64 text as the body.
		response = await sendToLago.call(this, { method: 'GET', path: '/webhooks/public_key' }, KEY_RETRY);
		if (response.status === 200) served = response.body;
	}
	if (response.status === 403) {
		throw lagoApiError(this.getNode(), {
			message: 'The Lago API key is not allowed to read the webhook public key (403), needed to check JWT signatures',
			description:
				'In Lago, open Developers > API keys and give this key the "Webhook JWT public key" read permission, or pick HMAC as the Signature Algorithm.',
			httpCode: '403',
		});
	}
	if (response.status !== 200) throw responseError(this.getNode(), response, { operation: 'webhookEndpoint' });
	if (typeof served !== 'string' || served.trim() === '') {
		throw lagoApiError(this.getNode(), {
			message: "Lago's answer had no webhook public key",
			description: 'Check that the Base URL in the Lago API credential points at Lago\'s API, or pick HMAC as the Signature Algorithm.',
			httpCode: String(response.status),
		});
	}
	try {
		return parsePublicKey(served);
	} catch (error) {
		throw lagoApiError(this.getNode(), {
			message: `Lago's webhook public key could not be read: ${(error as Error).message}`,
			description: 'Pick HMAC as the Signature Algorithm, or check that LAGO_RSA_PRIVATE_KEY is set on your Lago server.',
			httpCode: String(response.status),
		});
	}
}

/** The cached key for this Lago server, fetched when there is none (or `refresh` and the cached one is stale). */
export async function getPublicKey(
	this: IHookFunctions | IWebhookFunctions,
	baseUrl: string,
	{ refresh = false, now = Date.now() }: { refresh?: boolean; now?: number } = {},
): Promise<{ key: KeyObject; fresh: boolean }> {
	const cached = cache.get(baseUrl);
	if (cached && (!refresh || now - cached.fetchedAt < REFETCH_AFTER_MS)) return { key: cached.key, fresh: false };
	const key = await fetchPublicKey.call(this);
	cache.set(baseUrl, { key, fetchedAt: now });
	return { key, fresh: true };
}

/** For tests: forget every cached key. */
export function clearPublicKeyCache(): void {
	cache.clear();
}
