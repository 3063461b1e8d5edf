import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IHookFunctions, INode, NodeApiError } from 'n8n-workflow';

import { formatErrorDetails, lagoApiError } from '../shared/errors';
import { responseError, sendToLago } from '../shared/transport';
import type { LagoResponse, RetryPolicy } from '../shared/transport';
import type { SignatureAlgorithm } from './signature';
import { ALL_EVENT_TYPES } from './eventTypes';

/**
 * The webhook endpoint this trigger owns in Lago (`/webhook_endpoints`, lago-api `webhook_endpoints_controller.rb`):
 * created on activation, updated (PUT) when n8n's URL, the types or the algorithm changed, deleted on deactivation.
 * An endpoint someone else made is never changed or deleted: one that already sends what the trigger wants is used
 * as it is (and left in place on deactivation); any other stops activation with what was found and what to do.
 */

export interface WantedEndpoint {
	url: string;
	signatureAlgo: SignatureAlgorithm;
	eventTypes: string[];
}

export interface LagoEndpoint {
	lago_id: string;
	lago_organization_id?: string;
	webhook_url: string;
	signature_algo?: string;
	event_types?: string[] | null;
}

/**
 * n8n waits for activation: a Lago that is down fails it within seconds, with the reason, instead of the transport's
 * two minutes of retries meant for billing events.
 */
export const ACTIVATION_RETRY: RetryPolicy = { maxAttempts: 3, maxRetryTimeMs: 15_000, initialDelayMs: 500 };

/** Lago allows 10 endpoints per organisation; a list never needs more than one page of 100. */
const MAX_LIST_PAGES = 5;

function endpointOf(body: unknown): LagoEndpoint | undefined {
	const endpoint = (body as IDataObject | undefined)?.webhook_endpoint as LagoEndpoint | undefined;
	return endpoint && typeof endpoint.lago_id === 'string' ? endpoint : undefined;
}

/** The same set of types, where null, absent and `["*"]` all mean every type (as Lago stores them). */
export function sameEventTypes(current: string[] | null | undefined, wanted: string[]): boolean {
	const norm = (types: string[] | null | undefined) =>
		!types || types.length === 0 || types.includes(ALL_EVENT_TYPES) ? [ALL_EVENT_TYPES] : Array.from(new Set(types)).sort();
	return JSON.stringify(norm(current)) === JSON.stringify(norm(wanted));
}

/** Lago compares URLs byte for byte; `https://n8n/webhook/x` and `https://n8n/webhook/x/` reach the same n8n webhook. */
export function sameUrl(a: unknown, b: unknown): boolean {
	const strip = (u: unknown) => String(u ?? '').trim().replace(/\/+$/, '');
	return strip(a) === strip(b);
}

/** True when Lago's endpoint already sends what the node wants, the way it wants it signed. */
export function endpointMatches(endpoint: LagoEndpoint, wanted: WantedEndpoint): boolean {
	if (!sameUrl(endpoint.webhook_url, wanted.url)) return false;
	if (endpoint.signature_algo !== wanted.signatureAlgo) return false;
	// A server from before event types (2026-03) does not render the field: it sends everything, the node filters.
	if (!('event_types' in endpoint)) return true;
	return sameEventTypes(endpoint.event_types, wanted.eventTypes);
}

function activationError(node: INode, response: LagoResponse, what: string): NodeApiError {
	const body = (response.body ?? {}) as IDataObject;
	const details = body.error_details as Record<string, unknown> | undefined;
	const codes = (field: string) => (details && Array.isArray(details[field]) ? (details[field] as unknown[]) : []);
	if (response.status === 403) {
		return lagoApiError(node, {
			message: `The Lago API key is not allowed to ${what} (403 ${String(body.code ?? 'Forbidden')})`,
			description:
				'In Lago, open Developers › API keys and give this key the "Webhook endpoints" read and write permission (and "Webhook JWT public key" read for JWT signatures), or use a key without restrictions.',
			httpCode: '403',
			lagoCode: typeof body.code === 'string' ? body.code : undefined,
		});
	}
	if (response.status === 422 && codes('base').includes('exceeded_limit')) {
		return lagoApiError(node, {
			message: 'Lago already has 10 webhook endpoints, its limit per organisation (422 exceeded_limit)',
			description:
				'Delete an endpoint you no longer use in Lago › Developers › Webhooks (deactivated n8n workflows remove their own), then activate this workflow again.',
			httpCode: '422',
			lagoCode: 'exceeded_limit',
			errorDetails: details,
		});
	}
	if (response.status === 422) {
		return lagoApiError(node, {
			message: `Lago refused the webhook endpoint: ${formatErrorDetails(details) || 'validation failed'}`,
			description:
				'Check the Events picked in the trigger (an older Lago may not know a new type) and that n8n\'s webhook URL is a valid http(s) URL (set WEBHOOK_URL when n8n runs behind a proxy).',
			httpCode: '422',
			lagoCode: typeof body.code === 'string' ? body.code : undefined,
			errorDetails: details,
		});
	}
	return responseError(node, response, { operation: 'webhookEndpoint' });
}

function endpointBody(wanted: WantedEndpoint): IDataObject {
	return { webhook_endpoint: { webhook_url: wanted.url, signature_algo: wanted.signatureAlgo, event_types: wanted.eventTypes } };
}

/** The endpoint with this id, or undefined when Lago no longer has it. */
export async function getEndpoint(this: IHookFunctions, id: string): Promise<LagoEndpoint | undefined> {
	const response = await sendToLago.call(this, { method: 'GET', path: `/webhook_endpoints/${encodeURIComponent(id)}` }, ACTIVATION_RETRY);
	if (response.status === 404) return undefined;
	if (response.status !== 200) throw activationError(this.getNode(), response, 'read webhook endpoints');
	return endpointOf(response.body);
}

/** Every endpoint of the organisation (Lago keeps at most 10). */
export async function listEndpoints(this: IHookFunctions): Promise<LagoEndpoint[]> {
	const all: LagoEndpoint[] = [];
	for (let page = 1; page <= MAX_LIST_PAGES; page++) {
		const response = await sendToLago.call(this, { method: 'GET', path: '/webhook_endpoints', qs: { page, per_page: 100 } }, ACTIVATION_RETRY);
		if (response.status !== 200) throw activationError(this.getNode(), response, 'read webhook endpoints');
		const body = (response.body ?? {}) as IDataObject;
		const list = Array.isArray(body.webhook_endpoints) ? (body.webhook_endpoints as LagoEndpoint[]) : [];
		all.push(...list.filter((e) => e && typeof e.lago_id === 'string'));
		const next = (body.meta as IDataObject | undefined)?.next_page;
		if (!next || list.length === 0) break;
	}
	return all;
}

export interface Registration {
	id: string;
	organizationId?: string;
	/** True when this trigger created the endpoint (only then does deactivation delete it). */
	owned: boolean;
	action: 'created' | 'updated' | 'unchanged' | 'adopted';
}

const describeTypes = (types: string[] | null | undefined) => (!types || types.length === 0 || types.includes(ALL_EVENT_TYPES) ? 'all types' : types.join(', '));

function foreignEndpointError(node: INode, found: LagoEndpoint, wanted: WantedEndpoint, mine: boolean): NodeOperationError {
	return new NodeOperationError(
		node,
		`Lago already has a webhook endpoint for ${wanted.url} that this trigger did not create (${found.lago_id}: ${found.signature_algo ?? 'jwt'} signatures, ${describeTypes(found.event_types)})`,
		{
			description: `The trigger never changes or deletes an endpoint it did not create. Either delete that endpoint in Lago › Developers › Webhooks and activate again (the trigger then ${mine ? 'moves its own endpoint to this URL' : 'creates its own'}), or edit it in Lago to ${wanted.signatureAlgo} signatures and ${describeTypes(wanted.eventTypes)}: the trigger then uses it as it is and leaves it in place when deactivated.`,
		},
	);
}

/**
 * Makes Lago send the wanted types to the URL and returns the endpoint's id.
 * - The trigger's own endpoint (`known.owned`) is updated in place, also when n8n's URL changed.
 * - An endpoint with the same URL (trailing slash or not) that the trigger did not create is used only when it already
 *   matches; otherwise activation stops and says what it found.
 */
export async function registerEndpoint(this: IHookFunctions, wanted: WantedEndpoint, known?: { id?: string; owned?: boolean }): Promise<Registration> {
	const mine = known?.id && known.owned ? await getEndpoint.call(this, known.id) : undefined;
	const other = (await listEndpoints.call(this)).find((e) => sameUrl(e.webhook_url, wanted.url) && e.lago_id !== mine?.lago_id);
	if (other) {
		if (!mine && endpointMatches(other, wanted)) return { id: other.lago_id, organizationId: other.lago_organization_id, owned: false, action: 'adopted' };
		throw foreignEndpointError(this.getNode(), other, wanted, Boolean(mine));
	}
	if (mine) {
		if (endpointMatches(mine, wanted)) return { id: mine.lago_id, organizationId: mine.lago_organization_id, owned: true, action: 'unchanged' };
		const response = await sendToLago.call(this, { method: 'PUT', path: `/webhook_endpoints/${encodeURIComponent(mine.lago_id)}`, body: endpointBody(wanted) }, ACTIVATION_RETRY);
		if (response.status !== 200) throw activationError(this.getNode(), response, 'update webhook endpoints');
		const updated = endpointOf(response.body);
		return { id: updated?.lago_id ?? mine.lago_id, organizationId: updated?.lago_organization_id ?? mine.lago_organization_id, owned: true, action: 'updated' };
	}
	const response = await sendToLago.call(this, { method: 'POST', path: '/webhook_endpoints', body: endpointBody(wanted) }, ACTIVATION_RETRY);
	if (response.status !== 200) throw activationError(this.getNode(), response, 'create webhook endpoints');
	const created = endpointOf(response.body);
	if (!created) throw activationError(this.getNode(), { ...response, status: 502 }, 'create webhook endpoints');
	return { id: created.lago_id, organizationId: created.lago_organization_id, owned: true, action: 'created' };
}

/** Deletes this trigger's endpoint. True when it is gone, also when Lago no longer had it. */
export async function deleteEndpoint(this: IHookFunctions, id: string): Promise<boolean> {
	const response = await sendToLago.call(this, { method: 'DELETE', path: `/webhook_endpoints/${encodeURIComponent(id)}` }, ACTIVATION_RETRY);
	if (response.status === 200 || response.status === 404) return true;
	throw activationError(this.getNode(), response, 'delete webhook endpoints');
}
