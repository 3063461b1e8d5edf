import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { lagoRequest, resolveBaseUrl } from '../shared/transport';
import type { LagoCredentials, RetryPolicy } from '../shared/transport';
import { alreadyStarted, deliveryKeys, forgetStarted, recordStarted } from './deliveries';
import { splitEventErrors } from './eventErrors';
import { isSelected, normaliseEventTypes } from './eventTypes';
import { lookUpOrganisationId } from './organisation';
import { getPublicKey } from './publicKey';
import { warnQuietly } from './quietLog';
import { resolveAlgorithm, verifyHmac, verifyJwt } from './signature';
import type { SignatureAlgorithm } from './signature';

/**
 * One delivery from Lago: verified before anything else, then checked to be the user's organisation, filtered by
 * type, de-duplicated, and turned into items. Every refusal has the same body, so a sender learns nothing about which
 * check failed; refusals are logged at most once a minute, with their count.
 */

type TriggerCredentials = LagoCredentials & { webhookHmacKey?: string };

function header(ctx: IWebhookFunctions, name: string): string | undefined {
	const value = ctx.getHeaderData()[name];
	return Array.isArray(value) ? value[0] : value;
}

function answer(ctx: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	ctx.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

const unauthorized = (ctx: IWebhookFunctions) => answer(ctx, 401, { message: 'Unauthorized' });
const unavailable = (ctx: IWebhookFunctions) => answer(ctx, 503, { message: 'Service Unavailable' });

/** The exact bytes n8n received: n8n keeps them as `req.rawBody` once it has read the body. */
async function readRawBody(ctx: IWebhookFunctions): Promise<Buffer | undefined> {
	const req = ctx.getRequestObject();
	if (!Buffer.isBuffer(req.rawBody) && typeof req.readRawBody === 'function') await req.readRawBody();
	return Buffer.isBuffer(req.rawBody) ? req.rawBody : undefined;
}

async function isSigned(ctx: IWebhookFunctions, algorithm: SignatureAlgorithm, rawBody: Buffer, credentials: TriggerCredentials): Promise<boolean> {
	const signature = header(ctx, 'x-lago-signature');
	// Lago names the algorithm it signed with; a request signed another way than the node expects is refused.
	if (header(ctx, 'x-lago-signature-algorithm') !== algorithm || !signature) return false;
	if (algorithm === 'hmac') return verifyHmac(signature, rawBody, String(credentials.webhookHmacKey ?? '').trim());
	// Cheap refusals first: a header that is not three base64url parts never costs a key fetch.
	if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(signature.trim())) return false;
	const baseUrl = resolveBaseUrl(credentials);
	const { key, fresh } = await getPublicKey.call(ctx, baseUrl);
	if (verifyJwt(signature, rawBody, key)) return true;
	// Stryker disable next-line ConditionalExpression: with `if (false)` the refresh below finds the key read a moment ago (once a minute at most) and returns it not fresh, so the answer is false either way
	if (fresh) return false;
	// Lago's key may have rotated: fetched again at most once a minute, whatever the traffic.
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
		return { event: null, lookup_error: `Not looked up: look-ups stop after ${LOOKUP_BUDGET_MS / 1000} s so that Lago gets its answer in time. Use the Lago node's Event › Get with this transaction ID.` };
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

interface TriggerStaticData extends IDataObject {
	organizationId?: string;
}

export async function handleDelivery(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const rawBody = await readRawBody(this);
	const credentials = (await this.getCredentials('lagoApi')) as TriggerCredentials;
	const chosen = this.getNodeParameter(
		'signatureAlgorithm',
		// Stryker disable next-line StringLiteral: n8n's Workflow fills every parameter from the description's default, so this fallback is never read
		'jwt',
	) as string;
	const algorithm = resolveAlgorithm(chosen, credentials);
	const refuse = () => {
		warnQuietly(this.logger, 'unsigned', (n) => `Lago Trigger: refused ${n} request${n === 1 ? '' : 's'} without a valid Lago ${algorithm.toUpperCase()} signature (401) in the last minute`);
		return unauthorized(this);
	};
	if (!rawBody || rawBody.length === 0) return refuse();
	let signed: boolean;
	try {
		signed = await isSigned(this, algorithm, rawBody, credentials);
	} catch (error) {
		// Lago's key could not be fetched: nothing can be verified, so nothing runs; Lago retries the delivery later.
		warnQuietly(this.logger, 'no-key', (n) => `Lago Trigger: answered ${n} request${n === 1 ? '' : 's'} 503 in the last minute: could not check webhook signatures: ${(error as Error).message}`);
		return unavailable(this);
	}
	if (!signed) return refuse();

	let payload: unknown;
	try {
		payload = JSON.parse(rawBody.toString('utf8'));
	} catch {
		// Not JSON: payload stays undefined, and is refused below.
	}
	if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return answer(this, 400, { message: 'Bad Request' });
	const webhook = payload as IDataObject;

	const data = this.getWorkflowStaticData('node') as TriggerStaticData;
	// An empty id is read again, as a missing one is.
	let organizationId = typeof data.organizationId === 'string' ? data.organizationId : undefined;
	if (!organizationId) {
		try {
			organizationId = await lookUpOrganisationId.call(this, resolveBaseUrl(credentials), String(credentials.apiKey ?? ''));
		} catch (error) {
			warnQuietly(this.logger, 'no-org', (n) => `Lago Trigger: answered ${n} request${n === 1 ? '' : 's'} 503 in the last minute: could not read the Lago organisation this trigger belongs to: ${(error as Error).message}`);
			return unavailable(this);
		}
		if (!organizationId) return unavailable(this);
		data.organizationId = organizationId;
	}
	if (webhook.organization_id !== organizationId) {
		// Genuinely signed, but another organisation's (Lago Cloud signs every organisation's webhooks with one key).
		warnQuietly(this.logger, 'other-org', (n) => `Lago Trigger: refused ${n} signed webhook${n === 1 ? '' : 's'} from another Lago organisation than this trigger's (${organizationId}) in the last minute`);
		return unauthorized(this);
	}

	const types = normaliseEventTypes(
		this.getNodeParameter(
			'events',
			// Stryker disable next-line ArrayDeclaration: n8n's Workflow fills every parameter from the description's default, so this fallback is never read
			[],
		),
	);
	if (!isSelected(types, webhook.webhook_type)) return answer(this, 200, { message: 'Ignored: type not selected' });

	const node = this.getNode();
	const scope = `${this.getWorkflow().id ?? ''}\u0000${node.id ?? node.name}`;
	const keys = deliveryKeys(rawBody, header(this, 'x-lago-unique-key'));
	if (alreadyStarted(data, scope, keys)) return answer(this, 200, { message: 'Already received' });

	let items: INodeExecutionData[];
	try {
		// Recorded before the look-ups: a retry that arrives meanwhile must not start a second run.
		recordStarted(data, scope, keys);
		items = await toItems(this, webhook);
	} catch (error) {
		// Not started: Lago's next attempt must be able to start it.
		forgetStarted(data, scope, keys);
		throw new NodeOperationError(node, error as Error);
	}
	// Answered here, so that n8n saves the record before it starts the run. n8n saves the static data a webhook wrote
	// when the answer goes out, and only if the static data is marked changed. n8n 1.x answers onReceived before it
	// starts the run; n8n 2.x answers after, and the run builds its own Workflow on the same static-data object, which
	// clears the changed mark: the record was never saved, and a retry after a restart ran again (2.41).
	answer(this, 200, { message: 'Workflow was started' });
	return { noWebhookResponse: true, workflowData: [items] };
}
