import { createHash } from 'crypto';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { responseError, sendToLago } from '../shared/transport';
import type { RetryPolicy } from '../shared/transport';
import { REFETCH_AFTER_MS } from './publicKey';
import { SingleFlight } from './singleFlight';

/**
 * The Lago organisation the trigger belongs to: the `lago_organization_id` of the endpoint it registered, kept in its
 * static data. When it is not known (a trigger activated by an older version of the node), it is read again: every
 * endpoint the credential's API key can list belongs to that key's organisation. On Lago Cloud one RSA key signs
 * every organisation's webhooks, so a genuine signature does not say whose webhook it is; this does.
 *
 * A delivery from another organisation can cause that read, so it is bounded as the key fetch is: one in flight per
 * Lago URL and API key, at most one a minute, and an answer kept for the life of the process.
 */

const asNodeError = (node: INode, error: unknown) =>
	error instanceof NodeApiError || error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);

const ONE_TRY: RetryPolicy = { maxAttempts: 1, maxRetryTimeMs: 0, initialDelayMs: 0 };
const MAX_ACCOUNTS = 100;

const accounts = new SingleFlight<string>(MAX_ACCOUNTS, REFETCH_AFTER_MS);

function accountKey(baseUrl: string, apiKey: string): string {
	return `${baseUrl}\u0000${createHash('sha256').update(apiKey).digest('base64url')}`;
}

async function readOrganisationId(this: IWebhookFunctions): Promise<string | undefined> {
	const response = await sendToLago.call(this, { method: 'GET', path: '/webhook_endpoints', qs: { page: 1, per_page: 1 } }, ONE_TRY);
	if (response.status !== 200) throw responseError(this.getNode(), response, { operation: 'webhookEndpoint' });
	const list = (response.body as IDataObject | undefined)?.webhook_endpoints;
	const first = Array.isArray(list) ? (list[0] as IDataObject | undefined) : undefined;
	return typeof first?.lago_organization_id === 'string' ? first.lago_organization_id : undefined;
}

/** The organisation id for this Lago URL and API key, read at most once a minute; undefined when Lago has none to show. */
export async function lookUpOrganisationId(this: IWebhookFunctions, baseUrl: string, apiKey: string): Promise<string | undefined> {
	const read = async () => {
		try {
			return await readOrganisationId.call(this);
		} catch (error) {
			throw asNodeError(this.getNode(), error);
		}
	};
	return (await accounts.get(accountKey(baseUrl, apiKey), read)).value;
}

/** For tests: forget every organisation read. */
export function clearOrganisationCache(): void {
	accounts.clear();
}
