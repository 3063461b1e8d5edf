import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';

/** A field of one item that cannot be sent as it is; the caller attaches the item index. */
export class FieldError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'FieldError';
	}
}

/**
 * The one place that turns what Lago (or whatever stands in front of it) answered into a message a person can act on:
 * what happened, how to fix it, Lago's own `code` and `error_details`, and which item it was.
 */

export type LagoOperation =
	| 'create'
	| 'createBatch'
	| 'estimateFees'
	| 'get'
	| 'listMetrics'
	| 'webhookEndpoint'
	| 'getMany'
	| 'estimateInstantFees'
	| 'getCurrentUsage'
	| 'getPastUsage'
	| 'listSubscriptions'
	| 'listCustomers';

const USAGE_OPERATIONS: LagoOperation[] = ['getCurrentUsage', 'getPastUsage'];

/** Where users report a bug in the node. */
export const ISSUES_URL = 'https://github.com/n8n-nodes-lago/n8n-nodes-lago/issues';

/** The operation as the node's panel names it, for fix-it messages. */
const OPERATION_LABELS: Partial<Record<LagoOperation, string>> = {
	create: 'Send',
	createBatch: 'Send Batch',
	estimateFees: 'Estimate Fees',
	estimateInstantFees: 'Estimate Instant Fees',
	get: 'Get',
	getMany: 'Get Many',
	getCurrentUsage: 'Get Current',
	getPastUsage: 'Get Past',
};
const operationLabel = (operation: LagoOperation): string => OPERATION_LABELS[operation] ?? 'This operation';

export interface LagoErrorContext {
	operation: LagoOperation;
	transactionId?: string;
	externalSubscriptionId?: string;
	code?: string;
	externalCustomerId?: string;
}

export interface LagoErrorBody {
	status?: number;
	error?: string;
	code?: string;
	error_details?: unknown;
}

export interface DescribedError {
	message: string;
	description: string;
	httpCode: string;
	lagoCode?: string;
	errorDetails?: unknown;
}

const FIELD_LABELS: Record<string, string> = {
	transaction_id: 'Transaction ID',
	external_subscription_id: 'External Subscription ID',
	code: 'Billable Metric Code',
	timestamp: 'Timestamp',
	properties: 'Properties',
	precise_total_amount_cents: 'Precise Total Amount Cents',
	events: 'Events',
};

const FIELD_CODE_TEXT: Record<string, string> = {
	value_already_exist: 'was already ingested',
	invalid_format: 'has a format Lago cannot read',
	value_is_mandatory: 'is required',
	value_is_not_valid_number: 'is not a valid number',
	does_not_match_an_instant_charge: 'has no pay-in-advance charge on this plan',
	too_many_events: 'has too many events',
	no_events: 'is empty',
};

export function asErrorBody(body: unknown): LagoErrorBody | undefined {
	return body && typeof body === 'object' && !Array.isArray(body) ? (body as LagoErrorBody) : undefined;
}

/** True when a per-event error says only "this transaction id already exists". */
export function isOnlyDuplicate(details: unknown): boolean {
	if (!details || typeof details !== 'object' || Array.isArray(details)) return false;
	const entries = Object.entries(details as Record<string, unknown>);
	return (
		entries.length === 1 &&
		entries[0][0] === 'transaction_id' &&
		Array.isArray(entries[0][1]) &&
		(entries[0][1] as unknown[]).length > 0 &&
		(entries[0][1] as unknown[]).every((c) => c === 'value_already_exist')
	);
}

/** Lago's field -> codes map (or its plain-string form) as one readable sentence. */
export function formatErrorDetails(details: unknown): string {
	if (details === undefined || details === null) return '';
	if (typeof details === 'string') return details;
	if (typeof details !== 'object' || Array.isArray(details)) return JSON.stringify(details);
	return Object.entries(details as Record<string, unknown>)
		.map(([field, codes]) => {
			const label = FIELD_LABELS[field] ?? field;
			const list = Array.isArray(codes) ? codes : [codes];
			const text = list.map((c) => (typeof c === 'string' ? (FIELD_CODE_TEXT[c] ?? c) : JSON.stringify(c))).join(', ');
			const raw = list.filter((c) => typeof c === 'string').join(', ');
			return `${label} ${text}${raw && raw !== text ? ` (${raw})` : ''}`;
		})
		.join('; ');
}

const quote = (value: string | undefined) => (value === undefined ? '' : ` "${value}"`);

function plainText(body: string): string {
	return body
		.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ')
		.replace(/<[^>]+>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim()
		.slice(0, 160);
}

function describe422(details: unknown, ctx: LagoErrorContext): { message: string; fix: string } {
	if (typeof details === 'string') {
		return {
			message: `Lago rejected the event: ${details}`,
			fix: "The billable metric has an expression that could not be evaluated for this event. Check that the event carries every property the metric's expression uses.",
		};
	}
	const d = (details && typeof details === 'object' ? details : {}) as Record<string, unknown>;
	const codes = (field: string) => (Array.isArray(d[field]) ? (d[field] as unknown[]) : []);
	if (isOnlyDuplicate(details)) {
		return {
			message: `Transaction ID${quote(ctx.transactionId)} was already ingested by Lago`,
			fix: 'Lago keeps the first event with a given transaction ID per subscription, so nothing was billed twice. Set Options › On Duplicate to "Succeed" to treat this as done.',
		};
	}
	if (codes('events').includes('too_many_events')) {
		return {
			message: 'Lago rejected the batch: it has more events than this Lago server accepts per request',
			fix: 'Lower Options › Batch Size. Lago Cloud accepts 100; a self-hosted server may be set lower with LAGO_EVENTS_BATCH_MAX_LENGTH.',
		};
	}
	if (codes('events').includes('no_events')) {
		return { message: 'Lago rejected the batch: it contained no events', fix: 'Make sure the node receives at least one item.' };
	}
	if (codes('code').includes('does_not_match_an_instant_charge')) {
		return {
			message: `Billable metric${quote(ctx.code)} has no pay-in-advance charge on the plan of subscription${quote(ctx.externalSubscriptionId)}`,
			fix: `${operationLabel(ctx.operation)} only works for metrics charged in advance. Add a pay-in-advance charge for this metric to the plan, or use a different metric.`,
		};
	}
	if (codes('properties').includes('value_is_not_valid_number')) {
		return {
			message: `A property used by billable metric${quote(ctx.code)} is not a number`,
			fix: "Send the metric's field as a number or a numeric string, e.g. {\"gb\": 10} or {\"gb\": \"10.5\"}.",
		};
	}
	if (codes('timestamp').includes('invalid_format')) {
		return {
			message: 'Lago could not read the timestamp',
			fix: 'Send epoch seconds, optionally with decimals for milliseconds, e.g. 1700000000.123.',
		};
	}
	return {
		message: `Lago rejected the event: ${formatErrorDetails(details) || 'validation failed'}`,
		fix: 'Correct the fields named above and run the node again.',
	};
}

/** Describe an HTTP answer from Lago, or from a proxy in front of it, that was not a success. */
export function describeLagoError(status: number, rawBody: unknown, ctx: LagoErrorContext, headers?: IDataObject): DescribedError {
	const body = asErrorBody(rawBody);
	const lagoCode = body?.code;
	const errorDetails = body?.error_details;
	const notLago = typeof rawBody === 'string' && rawBody.trim() !== '';
	let message: string;
	let fix: string;
	if (status >= 300 && status < 400) {
		const location = headers?.location;
		const where = typeof location === 'string' && location !== '' ? location.slice(0, 300) : 'another address';
		message = `Lago's address answered with a redirect (${status}) to ${where}: the request did not reach Lago`;
		fix =
			'Set the Base URL in the Lago API credential to the address Lago is served at (often the https:// form of the same host). The node does not follow redirects: following one can turn a POST into a GET that drops the event and still looks successful.';
	} else if (notLago && status >= 500) {
		message = `The server answered ${status} with a page that is not from Lago's API (probably a proxy or load balancer)`;
		fix = `Lago or the proxy in front of it is unavailable; the node retried and gave up. Page text: "${plainText(rawBody as string)}"`;
	} else if (notLago && status !== 429) {
		message = `The server answered ${status} with a page that is not from Lago's API`;
		fix = `Check the Base URL in the Lago API credential: it must point at Lago's API (e.g. https://lago.example.com), not its web app. Page text: "${plainText(rawBody as string)}"`;
	} else if (status === 400) {
		message = `Lago could not read the request (400): ${body?.error ?? 'Bad Request'}`;
		fix = `This is a bug in the node. Please report it at ${ISSUES_URL} with the workflow (without the API key).`;
	} else if (status === 401) {
		message = 'Lago rejected the API key (401 Unauthorized)';
		fix = 'Check the API Key in the Lago API credential. Keys belong to one organisation and region: make sure the Region (US, EU or self-hosted) matches, and that the key has not been revoked or expired.';
	} else if (status === 403 && USAGE_OPERATIONS.includes(ctx.operation) && lagoCode !== 'feature_unavailable') {
		message = `The API key is not allowed to read customer usage (403 ${lagoCode ?? 'Forbidden'})`;
		fix = 'In Lago, open Developers › API keys and give this key read access to Customer usage, or use another key.';
	} else if (status === 405 && lagoCode === 'no_active_subscription') {
		message = `Customer${quote(ctx.externalCustomerId)} has no active subscription with external ID${quote(ctx.externalSubscriptionId)}`;
		fix =
			"Current usage exists only for a subscription that is running now. Check that the subscription belongs to this customer (use the subscription's external ID, not the customer's) and is not pending or terminated; for a terminated subscription use Get Past.";
	} else if (status === 404 && lagoCode === 'customer_not_found') {
		message = `Lago has no customer with external ID${quote(ctx.externalCustomerId)}`;
		fix = "Use the customer's external ID as it is in Lago (Customers > the customer › External ID), not Lago's own ID.";
	} else if (status === 404 && lagoCode === 'subscription_not_found' && USAGE_OPERATIONS.includes(ctx.operation)) {
		message = `Customer${quote(ctx.externalCustomerId)} has no subscription with external ID${quote(ctx.externalSubscriptionId)}`;
		fix = "Pick the subscription from the list, or use the subscription's external ID as it is in Lago (not the customer's).";
	} else if (status === 403) {
		const read = lagoCode?.startsWith('read_');
		message = lagoCode === 'feature_unavailable'
			? 'This Lago feature is not available on your plan (403 feature_unavailable)'
			: `The API key is not allowed to ${read ? 'read' : 'send'} events (403 ${lagoCode ?? 'Forbidden'})`;
		fix = 'In Lago, open Developers › API keys and give this key the permission it needs, or use another key.';
	} else if (status === 404 && lagoCode === 'event_not_found') {
		message = `No event with transaction ID${quote(ctx.transactionId)} was found in Lago`;
		fix = 'Check the ID. On high-volume Lago organisations a new event can take a few seconds before it can be read back.';
	} else if (status === 404 && lagoCode === 'subscription_not_found') {
		message = `Lago found no active subscription with external ID${quote(ctx.externalSubscriptionId)}`;
		fix = `${operationLabel(ctx.operation)} needs a subscription that is active now. Use the subscription's external ID, not the customer's.`;
	} else if (status === 404 && lagoCode === 'billable_metric_not_found') {
		message = `Lago has no billable metric with code${quote(ctx.code)}`;
		fix = 'Pick the metric from the list, or check its code in Lago under Billable metrics.';
	} else if (status === 404) {
		message = `Lago answered 404 ${lagoCode ?? 'Not Found'}: the Base URL does not look like a Lago API`;
		fix = 'For self-hosted Lago, set Base URL to the API host (e.g. https://lago.example.com or http://localhost:3000). The node adds /api/v1 itself.';
	} else if (status === 422) {
		({ message, fix } = describe422(errorDetails, ctx));
	} else if (status === 429) {
		message = "Lago's rate limit was still exceeded after the node's retries (429 Too Many Requests)";
		fix = 'Lago Cloud allows about 500 requests per second per organisation. Use Send Batch, lower Options › Parallel Requests, or raise Options › Max Retry Time (Seconds).';
	} else if (status >= 500) {
		message = `Lago had a server error (${status}${body?.error ? ` ${body.error}` : ''})`;
		fix = 'The node retried and gave up. Check the status of your Lago server, then run the workflow again: events already ingested are recognised by their transaction ID.';
	} else {
		message = `Lago answered ${status}${body?.error ? ` ${body.error}` : ''}`;
		fix = `Lago did not say more than the status and error below. Check the Base URL and the API key in the Lago API credential; if they are right, report it at ${ISSUES_URL}.`;
	}
	const parts = [fix];
	if (lagoCode) parts.push(`Lago code: ${lagoCode}`);
	if (errorDetails !== undefined) parts.push(`Lago error_details: ${JSON.stringify(errorDetails)}`);
	return { message, description: parts.join('\n'), httpCode: String(status), lagoCode, errorDetails };
}

export const itemSuffix = (itemIndex: number | undefined) => (itemIndex === undefined ? '' : ` [item ${itemIndex}]`);

/**
 * A NodeApiError whose message and description are exactly ours. NodeApiError rewrites messages that contain common
 * network words (ECONNRESET...) or match an HTTP status, so both are set again after construction.
 */
export function lagoApiError(node: INode, described: DescribedError, itemIndex?: number): NodeApiError {
	const response: JsonObject = { status: Number(described.httpCode) || described.httpCode };
	if (described.lagoCode !== undefined) response.code = described.lagoCode;
	if (described.errorDetails !== undefined) response.error_details = described.errorDetails as JsonObject;
	const message = `${described.message}${itemSuffix(itemIndex)}`;
	const error = new NodeApiError(node, response, {
		message,
		description: described.description,
		httpCode: described.httpCode,
		itemIndex,
	});
	error.message = message;
	error.description = described.description;
	if (described.lagoCode !== undefined) error.context.lagoCode = described.lagoCode;
	if (described.errorDetails !== undefined) error.context.errorDetails = described.errorDetails as IDataObject;
	return error;
}

/** A NodeOperationError whose message names the item; n8n would otherwise reword some messages. */
export function itemError(node: INode, message: string, itemIndex: number | undefined, description?: string): NodeOperationError {
	const text = `${message}${itemSuffix(itemIndex)}`;
	const error = new NodeOperationError(node, text, { itemIndex, description });
	error.message = text;
	return error;
}

/** A client-side validation failure: nothing was sent for this item. */
export function fieldError(node: INode, error: FieldError, itemIndex: number): NodeOperationError {
	return itemError(node, error.message, itemIndex, [error.hint, 'Nothing was sent to Lago for this item.'].filter(Boolean).join(' '));
}

/**
 * The Continue On Fail output for a failed item: the message, how to fix it, and Lago's own code and details.
 * n8n replaces the JSON of an item that carries `error` with the bare message, so the error object is attached only
 * when the node routes failures to its error output, which needs it.
 */
export function errorItem(node: INode, error: unknown, itemIndex: number, extra: IDataObject = {}): INodeExecutionData {
	const e = (error ?? {}) as { message?: string; description?: string | null; httpCode?: string | null; context?: IDataObject };
	const json: IDataObject = { error: e.message ?? String(error) };
	if (e.description) json.description = e.description;
	if (e.httpCode) json.http_code = e.httpCode;
	if (e.context?.lagoCode !== undefined) json.lago_code = e.context.lagoCode;
	if (e.context?.errorDetails !== undefined) json.error_details = e.context.errorDetails;
	const item: INodeExecutionData = { json: { ...json, ...extra }, pairedItem: { item: itemIndex } };
	if (node.onError === 'continueErrorOutput') item.error = error as NodeApiError;
	return item;
}
