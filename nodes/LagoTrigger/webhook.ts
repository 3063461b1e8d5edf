import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { lagoRequest, resolveBaseUrl } from '../shared/transport';
import type { LagoCredentials, RetryPolicy } from '../shared/transport';
import { bodyKey, deliveryKey, deliveryLog, DeliveryLog } from './deliveries';
import { splitEventErrors } from './eventErrors';
import { isSelected, normaliseEventTypes } from './eventTypes';
import { getPublicKey } from './publicKey';
import { verifyHmac, verifyJwt } from './signature';
import type { SignatureAlgorithm } from './signature';

/**
 * One delivery from Lago: verified before anything else, then filtered by type, de-duplicated, and turned into items.
 * Every refusal has the same body, so a forger learns nothing about which check failed.
 */

/** A signed body seen again under another unique key within this window is a replay, not a new webhook. */
export const replayLog = new DeliveryLog(10_000, 15 * 60 * 1000);

function header(ctx: IWebhookFunctions, name: string): string | undefined {
	const value = ctx.getHeaderData()[name];
	return Array.isArray(value) ? value[0] : value;
}

function answer(ctx: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	ctx.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

const unauthorized = (ctx: IWebhookFunctions) => answer(ctx, 401, { message: 'Unauthorized' });

/** The exact bytes n8n received: n8n keeps them as `req.rawBody` once it has read the body. */
async function readRawBody(ctx: IWebhookFunctions): Promise<Buffer | undefined> {
	const req = ctx.getRequestObject();
	if (!Buffer.isBuffer(req.rawBody) && typeof req.readRawBody === 'function') await req.readRawBody();
	return Buffer.isBuffer(req.rawBody) ? req.rawBody : undefined;
}

async function isSigned(ctx: IWebhookFunctions, algorithm: SignatureAlgorithm, rawBody: Buffer, credentials: LagoCredentials & { webhookHmacKey?: string }): Promise<boolean> {
	const signature = header(ctx, 'x-lago-signature');
	// Lago names the algorithm it signed with; a request signed another way than the node expects is refused.
	if (header(ctx, 'x-lago-signature-algorithm') !== algorithm || !signature) return false;
	if (algorithm === 'hmac') return verifyHmac(signature, rawBody, String(credentials.webhookHmacKey ?? '').trim());
	const baseUrl = resolveBaseUrl(credentials);
	const { key, fresh } = await getPublicKey.call(ctx, baseUrl);
	if (verifyJwt(signature, rawBody, key)) return true;
	if (fresh) return false;
	const again = await getPublicKey.call(ctx, baseUrl, { refresh: true });
	return again.fresh && verifyJwt(signature, rawBody, again.key);
}

/**
 * Lago gives up on a delivery after 30 s and sends it again; look-ups stop after LOOKUP_BUDGET_MS so the workflow
 * still starts in time, and the items not looked up say so.
 */
const LOOKUP_BUDGET_MS = 20_000;
const LOOKUP_RETRY: RetryPolicy = { maxAttempts: 3, maxRetryTimeMs: 5_000, initialDelayMs: 250 };

async function lookUpEvent(ctx: IWebhookFunctions, transactionId: string, deadline: number): Promise<IDataObject> {
	if (Date.now() > deadline) {
		return { event: null, lookup_error: `Not looked up: look-ups stop after ${LOOKUP_BUDGET_MS / 1000} s so that Lago gets its answer in time. Use Lago Events > Get with this transaction ID.` };
	}
	try {
		const body = await lagoRequest.call(ctx, { method: 'GET', path: `/events/${encodeURIComponent(transactionId)}` }, { operation: 'get', transactionId }, LOOKUP_RETRY);
		return { event: (body.event as IDataObject) ?? body };
	} catch (error) {
		// The failed event is still an item: losing it because the look-up failed would hide what Lago could not bill.
		return { event: null, lookup_error: (error as Error).message };
	}
}

async function toItems(ctx: IWebhookFunctions, payload: IDataObject): Promise<INodeExecutionData[]> {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const split = options.splitEventErrors !== false;
	if (payload.webhook_type !== 'events.errors' || !split) return [{ json: payload }];
	const failed = splitEventErrors(payload);
	if (failed.length === 0) return [{ json: payload }];
	if (!options.lookUpEvents) return failed.map((json) => ({ json }));
	const items: INodeExecutionData[] = [];
	const deadline = Date.now() + LOOKUP_BUDGET_MS;
	for (const item of failed) items.push({ json: { ...item, ...(await lookUpEvent(ctx, item.transaction_id, deadline)) } });
	return items;
}

export async function handleDelivery(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const algorithm = this.getNodeParameter('signatureAlgorithm', 'jwt') as SignatureAlgorithm;
	const rawBody = await readRawBody(this);
	if (!rawBody || rawBody.length === 0) return unauthorized(this);
	const credentials = (await this.getCredentials('lagoApi')) as LagoCredentials & { webhookHmacKey?: string };
	let signed = false;
	try {
		signed = await isSigned(this, algorithm, rawBody, credentials);
	} catch (error) {
		// Lago's key could not be fetched: nothing can be verified, so nothing runs; Lago retries the delivery later.
		this.logger.warn(`Lago Trigger: could not check a webhook signature: ${(error as Error).message}`);
		return answer(this, 503, { message: 'Service Unavailable' });
	}
	if (!signed) {
		this.logger.warn('Lago Trigger: refused a request without a valid Lago signature (401)');
		return unauthorized(this);
	}

	let payload: unknown;
	try {
		payload = JSON.parse(rawBody.toString('utf8'));
	} catch {
		payload = undefined;
	}
	if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return answer(this, 400, { message: 'Bad Request' });
	const webhook = payload as IDataObject;

	const types = normaliseEventTypes(this.getNodeParameter('events', []));
	if (!isSelected(types, webhook.webhook_type)) return answer(this, 200, { message: 'Ignored: type not selected' });

	const node = this.getNode();
	const scope = `${this.getWorkflow().id ?? ''}\u0000${node.id ?? node.name}`;
	const uniqueKey = header(this, 'x-lago-unique-key');
	const keys = [bodyKey(scope, rawBody), ...(uniqueKey ? [deliveryKey(scope, uniqueKey)] : [])];
	const logs = [replayLog, ...(uniqueKey ? [deliveryLog] : [])];
	const repeated = keys.map((key, i) => !logs[i].firstTime(key)).some(Boolean);
	if (repeated) return answer(this, 200, { message: 'Already received' });

	try {
		return { workflowData: [await toItems(this, webhook)] };
	} catch (error) {
		// Not started: Lago's next attempt must be able to start it.
		keys.forEach((key, i) => logs[i].forget(key));
		throw new NodeOperationError(node, error as Error);
	}
}
