import type { KeyObject } from 'crypto';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';

import { lagoApiError } from '../shared/errors';
import { responseError, sendToLago } from '../shared/transport';
import type { RetryPolicy } from '../shared/transport';
import { parsePublicKey } from './signature';
import { SingleFlight } from './singleFlight';

/**
 * Lago's webhook public key, one per Lago server. Requests from outside (forged ones included) can make the node ask
 * Lago for it, so what they can cost is bounded per Lago URL:
 * - one fetch in flight, shared by every request that needs the key meanwhile;
 * - at most one fetch per REFETCH_AFTER_MS, whether the last one succeeded or failed (a failure is remembered and
 *   given to every request until then, so a key route answering 403 or 500 is not asked again and again);
 * - a delivery's fetch is one request, without retries (activation, which no outsider causes, retries).
 */

export const REFETCH_AFTER_MS = 60_000;

/** Activation: n8n waits for it, and a Lago that is briefly down should not fail it. */
const ACTIVATION_KEY_RETRY: RetryPolicy = { maxAttempts: 3, maxRetryTimeMs: 8_000, initialDelayMs: 250 };
/** A delivery: one request; Lago retries the delivery itself if it is answered 503. */
const DELIVERY_KEY_RETRY: RetryPolicy = { maxAttempts: 1, maxRetryTimeMs: 0, initialDelayMs: 0 };

/** Lago URLs come from credentials, not from requests; the cap only guards against a runaway list of credentials. */
const MAX_SERVERS = 100;

const asNodeError = (node: INode, error: unknown) =>
	error instanceof NodeApiError || error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);

const keys = new SingleFlight<KeyObject>(MAX_SERVERS, REFETCH_AFTER_MS);
/** Servers that answered 404 on json_public_key: the older route is asked directly next time. */
const legacyServers = new Set<string>();

async function fetchPublicKey(this: IHookFunctions | IWebhookFunctions, baseUrl: string, retry: RetryPolicy): Promise<KeyObject> {
	let response = legacyServers.has(baseUrl) ? undefined : await sendToLago.call(this, { method: 'GET', path: '/webhooks/json_public_key' }, retry);
	let served: unknown;
	if (response?.status === 200) {
		served = ((response.body as IDataObject | undefined)?.webhook as IDataObject | undefined)?.public_key;
	} else if (!response || response.status === 404) {
		// Lago servers from before json_public_key answer only the older route, with the base64 text as the body.
		response = await sendToLago.call(this, { method: 'GET', path: '/webhooks/public_key' }, retry);
		if (response.status === 200) {
			served = response.body;
			if (legacyServers.size >= MAX_SERVERS) legacyServers.delete(legacyServers.values().next().value as string);
			legacyServers.add(baseUrl);
		}
	}
	if (response.status === 403) {
		throw lagoApiError(this.getNode(), {
			message: 'The Lago API key is not allowed to read the webhook public key (403), needed to check JWT signatures',
			description:
				'In Lago, open Developers › API keys and give this key the "Webhook JWT public key" read permission, or pick HMAC as the Signature Algorithm.',
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

/**
 * The key for this Lago server. `fresh` is true when this call's answer comes from a fetch made for it (or joined
 * while in flight), so a signature that fails with a fresh key is not worth another fetch.
 * - No key yet: fetch, unless a fetch failed less than a minute ago (then that failure is thrown again).
 * - `refresh`: fetch again only when the last fetch started a minute ago or more; otherwise the cached key.
 * - `activation`: the hook methods, which may retry and always fetch (a user is waiting and wants the truth now).
 */
export async function getPublicKey(
	this: IHookFunctions | IWebhookFunctions,
	baseUrl: string,
	{ refresh = false, activation = false }: { refresh?: boolean; activation?: boolean } = {},
): Promise<{ key: KeyObject; fresh: boolean }> {
	const read = async () => {
		try {
			return await fetchPublicKey.call(this, baseUrl, activation ? ACTIVATION_KEY_RETRY : DELIVERY_KEY_RETRY);
		} catch (error) {
			throw asNodeError(this.getNode(), error);
		}
	};
	const { value, fresh } = await keys.get(baseUrl, read, { refresh, force: activation });
	// A read either gives a key or throws, so a server without a key always has a failure to give; never reached.
	if (!value) throw new NodeOperationError(this.getNode(), "Lago's webhook public key is not known");
	return { key: value, fresh };
}

/** For tests: forget every cached key and every remembered failure. */
export function clearPublicKeyCache(): void {
	keys.clear();
	legacyServers.clear();
}
