'use strict';

const crypto = require('node:crypto');
const { MetricBook, eventsErrors } = require('./metrics');
const http = require('./http');

/**
 * Lago's outgoing side: webhook endpoints (`/webhook_endpoints`), the public key routes, and deliveries signed as
 * lago-api signs them (`app/models/webhook.rb`, `app/services/webhooks/send_http_service.rb`):
 * - JWT: RS256 over `{ data: <body>, iss: <Lago's URL> }`, no expiry; HMAC: base64(HMAC-SHA256(org key, body)).
 * - Headers X-Lago-Signature, X-Lago-Signature-Algorithm, X-Lago-Unique-Key (the same on every attempt).
 * - Up to `attempts` tries (Lago's default 3) when the answer is not 2xx or does not come in time.
 *
 * @typedef {import('./http').Reply} Reply
 * @typedef {{ lago_id: string, lago_organization_id: string, webhook_url: string, signature_algo: 'jwt' | 'hmac',
 *   name: string | null, event_types: string[] | null, created_at: string }} Endpoint
 * @typedef {{ webhookId: string, endpointId: string, url: string, webhookType: string, attempt: number,
 *   status: number | null, error: string | null, at: number }} DeliveryAttempt
 * @typedef {{ attempts?: number, retryDelayMs?: number, timeoutMs?: number, supportsEventTypes?: boolean,
 *   jsonPublicKeyRoute?: boolean, deniedResources?: string[], issuer?: string, publicKeyStatus?: number | null }} WebhookConfig
 */

const ORGANIZATION_ID = 'a0a00000-0000-4000-8000-000000000001';
const ENDPOINT_LIMIT = 10;
// A subset of lago-api's config/webhook_event_types.yml is enough to refuse unknown types as Lago does.
const KNOWN_TYPES = new Set([
	'*', 'events.errors', 'event.error', 'alert.triggered', 'invoice.created', 'invoice.one_off_created', 'invoice.paid_credit_added',
	'invoice.generated', 'invoice.drafted', 'invoice.ready_to_finalize', 'invoice.voided', 'invoice.payment_status_updated',
	'invoice.payment_overdue', 'invoice.payment_failure', 'invoice.payment_dispute_lost', 'invoice.resynced',
	'subscription.started', 'subscription.updated', 'subscription.terminated', 'subscription.canceled', 'subscription.incomplete',
	'subscription.termination_alert', 'subscription.trial_ended', 'subscription.usage_threshold_reached', 'fee.created',
	'fee.tax_provider_error', 'customer.created', 'customer.updated', 'customer.accounting_provider_created',
	'customer.accounting_provider_error', 'customer.crm_provider_created', 'customer.crm_provider_error',
	'customer.payment_provider_created', 'customer.payment_provider_error', 'customer.checkout_url_generated',
	'customer.tax_provider_error', 'customer.vies_check', 'wallet.created', 'wallet.updated', 'wallet.terminated',
	'wallet.depleted_ongoing_balance', 'wallet_transaction.created', 'wallet_transaction.updated',
	'wallet_transaction.payment_failure', 'wallet_transaction.payment_failure_after_settlement', 'payment.succeeded',
	'payment.requires_action', 'payment_provider.error', 'payment_request.created', 'payment_request.payment_failure',
	'payment_request.payment_status_updated', 'payment_receipt.created', 'payment_receipt.generated', 'credit_note.created',
	'credit_note.generated', 'credit_note.provider_refund_failure', 'billable_metric.created', 'billable_metric.updated',
	'billable_metric.deleted', 'plan.created', 'plan.updated', 'plan.deleted', 'feature.created', 'feature.updated',
	'feature.deleted', 'dunning_campaign.finished', 'integration.provider_error',
]);

/** @returns {WebhookConfig} */
function defaultConfig() {
	return { attempts: 3, retryDelayMs: 200, timeoutMs: 30_000, supportsEventTypes: true, jsonPublicKeyRoute: true, deniedResources: [], issuer: 'http://lago-sandbox', publicKeyStatus: null };
}

const b64url = (/** @type {Buffer | string} */ data) => Buffer.from(data).toString('base64url');

/** RS256 JWT as ruby-jwt writes it: header `{"alg":"RS256"}`. @param {object} payload @param {crypto.KeyObject} privateKey */
function signJwt(payload, privateKey) {
	const signingInput = `${b64url(JSON.stringify({ alg: 'RS256' }))}.${b64url(JSON.stringify(payload))}`;
	return `${signingInput}.${b64url(crypto.sign('RSA-SHA256', Buffer.from(signingInput), privateKey))}`;
}

/** @param {string} body @param {string} hmacKey */
function signHmac(body, hmacKey) {
	return crypto.createHmac('sha256', hmacKey).update(body).digest('base64');
}

function newKeyPair() {
	return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/**
 * The `events.errors` Lago's hourly job would send for these events against these metrics (sandbox/metrics.js).
 * @param {Array<{ transaction_id: string, code: string, properties?: Record<string, unknown> }>} events
 * @param {import('./metrics').Metric[]} metrics
 */
function computeEventsErrors(events, metrics) {
	return eventsErrors(events, metrics);
}

class WebhookCenter {
	/** @param {{ hmacKey?: string, metrics?: () => import('./metrics').Metric[] }} [options] */
	constructor(options = {}) {
		/** The organisation's billable metrics, which the events.errors report checks events against. */
		this.metrics = options.metrics || (() => new MetricBook(undefined).metrics);
		/** @type {Map<string, Endpoint>} */
		this.endpoints = new Map();
		/** @type {DeliveryAttempt[]} */
		this.deliveries = [];
		this.hmacKey = options.hmacKey || crypto.randomBytes(24).toString('hex');
		this.keys = newKeyPair();
		/** @type {Set<string>} ids of stored events already reported in an events.errors */
		this.reported = new Set();
		this.config = defaultConfig();
	}

	get publicKeyPem() {
		return /** @type {string} */ (this.keys.publicKey.export({ type: 'spki', format: 'pem' }));
	}

	/** A new signing key, as when LAGO_RSA_PRIVATE_KEY changes. */
	rotateKey() {
		this.keys = newKeyPair();
		return this.publicKeyPem;
	}

	/** @param {Partial<WebhookConfig>} patch */
	configure(patch) {
		this.config = { ...this.config, ...(patch || {}) };
		return this.config;
	}

	reset() {
		this.endpoints.clear();
		this.deliveries.length = 0;
		this.reported.clear();
		this.config = defaultConfig();
	}

	/**
	 * 403 `<action>_action_not_allowed_for_<resource>` for a resource the API key is denied (lago-api `api_key.rb`).
	 * @param {string} method @param {string} resource @returns {Reply | null}
	 */
	denied(method, resource) {
		if (!this.config.deniedResources?.includes(resource)) return null;
		const action = method === 'GET' ? 'read' : 'write';
		return { status: 403, body: { status: 403, error: 'Forbidden', code: `${action}_action_not_allowed_for_${resource}` } };
	}

	/** @param {Endpoint} e */
	render(e) {
		if (this.config.supportsEventTypes) return { webhook_endpoint: e };
		const { event_types, ...older } = e; // eslint-disable-line no-unused-vars
		return { webhook_endpoint: older };
	}

	/**
	 * Validates `{ webhook_endpoint: {...} }` as `WebhookEndpoints::CreateService`/`UpdateService` do.
	 * @param {Record<string, unknown>} params @param {Endpoint | undefined} current
	 * @returns {{ errors: Record<string, string[]> } | { fields: Partial<Endpoint> }}
	 */
	validate(params, current) {
		const input = /** @type {Record<string, unknown>} */ (params.webhook_endpoint && typeof params.webhook_endpoint === 'object' ? params.webhook_endpoint : {});
		/** @type {Record<string, string[]>} */
		const errors = {};
		/** @type {Partial<Endpoint>} */
		const fields = {};
		if (input.webhook_url !== undefined || !current) {
			const url = typeof input.webhook_url === 'string' ? input.webhook_url : '';
			if (!/^https?:\/\/\S+$/.test(url)) errors.webhook_url = [url ? 'url_invalid' : 'value_is_mandatory'];
			else if (Array.from(this.endpoints.values()).some((e) => e.webhook_url === url && e !== current)) errors.webhook_url = ['value_already_exist'];
			else fields.webhook_url = url;
		}
		if (input.signature_algo !== undefined || !current) {
			const algo = input.signature_algo === undefined ? 'jwt' : input.signature_algo;
			if (algo !== 'jwt' && algo !== 'hmac') errors.signature_algo = ['value_is_invalid'];
			else fields.signature_algo = algo;
		}
		if (input.name !== undefined) fields.name = input.name === null ? null : String(input.name);
		if (this.config.supportsEventTypes && input.event_types !== undefined) {
			const list = Array.isArray(input.event_types) ? input.event_types.map((t) => String(t).toLowerCase()) : [];
			const unknown = list.filter((t) => !KNOWN_TYPES.has(t));
			if (unknown.length) errors.event_types = unknown.map(() => 'value_is_invalid');
			else fields.event_types = list.length === 0 || list.includes('*') ? null : Array.from(new Set(list));
		}
		if (!current && this.endpoints.size >= ENDPOINT_LIMIT) return { errors: { base: ['exceeded_limit'] } };
		return Object.keys(errors).length ? { errors } : { fields };
	}

	/**
	 * The /webhook_endpoints and /webhooks routes. Returns null for a path that is not theirs.
	 * @param {string} method @param {string[]} segments below /api/v1 (decoded) @param {Record<string, unknown>} params
	 * @param {URLSearchParams} query
	 * @returns {Reply | null}
	 */
	route(method, segments, params, query) {
		const verb = method === 'HEAD' ? 'GET' : method;
		if (segments[0] === 'webhooks' && segments.length === 2 && verb === 'GET') {
			if (segments[1] !== 'json_public_key' && segments[1] !== 'public_key') return null;
			const forbidden = this.denied('GET', 'webhook_jwt_public_key');
			if (forbidden) return forbidden;
			// A key route that fails as a Lago under trouble does (500, 502, ...), for the trigger's bounded fetches.
			if (this.config.publicKeyStatus) return { status: this.config.publicKeyStatus, body: { status: this.config.publicKeyStatus, error: 'Internal Server Error' } };
			const served = Buffer.from(this.publicKeyPem).toString('base64');
			if (segments[1] === 'public_key') return { status: 200, html: served, headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
			if (!this.config.jsonPublicKeyRoute) return http.notFound('resource_not_found');
			return { status: 200, body: { webhook: { public_key: served } } };
		}
		if (segments[0] !== 'webhook_endpoints' || segments.length > 2) return null;
		const forbidden = this.denied(verb, 'webhook_endpoint');
		if (forbidden) return forbidden;
		if (segments.length === 1 && verb === 'GET') {
			const { paginate } = require('./api');
			const { slice, meta } = paginate(Array.from(this.endpoints.values()), query);
			return { status: 200, body: { webhook_endpoints: slice.map((e) => this.render(e).webhook_endpoint), meta } };
		}
		if (segments.length === 1 && verb === 'POST') {
			const result = this.validate(params, undefined);
			if ('errors' in result) return http.validationErrors(result.errors);
			/** @type {Endpoint} */
			const endpoint = {
				lago_id: crypto.randomUUID(),
				lago_organization_id: ORGANIZATION_ID,
				webhook_url: /** @type {string} */ (result.fields.webhook_url),
				signature_algo: result.fields.signature_algo || 'jwt',
				name: result.fields.name ?? null,
				event_types: result.fields.event_types ?? null,
				created_at: new Date().toISOString(),
			};
			this.endpoints.set(endpoint.lago_id, endpoint);
			return { status: 200, body: this.render(endpoint) };
		}
		if (segments.length !== 2) return null;
		const endpoint = this.endpoints.get(segments[1]);
		if (!endpoint) return verb === 'GET' || verb === 'PUT' || verb === 'DELETE' ? http.notFound('webhook_endpoint_not_found') : null;
		if (verb === 'GET') return { status: 200, body: this.render(endpoint) };
		if (verb === 'PUT') {
			const result = this.validate(params, endpoint);
			if ('errors' in result) return http.validationErrors(result.errors);
			Object.assign(endpoint, result.fields);
			return { status: 200, body: this.render(endpoint) };
		}
		if (verb === 'DELETE') {
			this.endpoints.delete(endpoint.lago_id);
			return { status: 200, body: this.render(endpoint) };
		}
		return null;
	}

	/**
	 * Sends one webhook to every endpoint that takes its type, each with its own unique key, retrying as Lago does.
	 * `repeat` re-sends a delivered webhook that many more times with the same key, as Lago does when n8n's answer
	 * was lost on the way back. `organizationId` sends it as another organisation's webhook, signed with the same RSA
	 * key (as on Lago Cloud, where one key signs every organisation's webhooks) to the same URL.
	 * @param {string} webhookType @param {string} objectType @param {unknown} object
	 * @param {{ repeat?: number, endpointId?: string, organizationId?: string }} [options]
	 */
	async send(webhookType, objectType, object, options = {}) {
		const payload = { webhook_type: webhookType, object_type: objectType, organization_id: options.organizationId || ORGANIZATION_ID, [objectType]: object };
		const body = JSON.stringify(payload);
		const targets = Array.from(this.endpoints.values()).filter(
			(e) => (!options.endpointId || e.lago_id === options.endpointId) && (!e.event_types || !this.config.supportsEventTypes || e.event_types.includes(webhookType)),
		);
		const results = [];
		for (const endpoint of targets) {
			const webhookId = crypto.randomUUID();
			const attempts = [];
			for (let copy = 0; copy <= (options.repeat || 0); copy++) {
				attempts.push(...(await this.deliver(endpoint, webhookType, body, webhookId)));
			}
			results.push({ endpointId: endpoint.lago_id, url: endpoint.webhook_url, webhookId, attempts });
		}
		return { payload, body, deliveries: results };
	}

	/** Headers Lago sends for `body` to `endpoint`. @param {Endpoint} endpoint @param {string} body @param {string} webhookId */
	headersFor(endpoint, body, webhookId) {
		const signature = endpoint.signature_algo === 'hmac' ? signHmac(body, this.hmacKey) : signJwt({ data: body, iss: this.config.issuer }, this.keys.privateKey);
		return {
			'Content-Type': 'application/json',
			'User-Agent': 'Lago sandbox',
			'X-Lago-Signature': signature,
			'X-Lago-Signature-Algorithm': endpoint.signature_algo,
			'X-Lago-Unique-Key': webhookId,
		};
	}

	/** @param {Endpoint} endpoint @param {string} webhookType @param {string} body @param {string} webhookId */
	async deliver(endpoint, webhookType, body, webhookId) {
		/** @type {DeliveryAttempt[]} */
		const attempts = [];
		const max = Math.max(1, Number(this.config.attempts) || 1);
		for (let attempt = 1; attempt <= max; attempt++) {
			/** @type {DeliveryAttempt} */
			const record = { webhookId, endpointId: endpoint.lago_id, url: endpoint.webhook_url, webhookType, attempt, status: null, error: null, at: Date.now() };
			try {
				const res = await fetch(endpoint.webhook_url, {
					method: 'POST',
					headers: this.headersFor(endpoint, body, webhookId),
					body,
					signal: AbortSignal.timeout(Number(this.config.timeoutMs) || 30_000),
				});
				await res.arrayBuffer();
				record.status = res.status;
			} catch (err) {
				record.error = String(/** @type {Error} */ (err).name === 'TimeoutError' ? 'timeout' : /** @type {Error} */ (err).message);
			}
			attempts.push(record);
			this.deliveries.push(record);
			if (record.status !== null && record.status >= 200 && record.status < 300) break;
			if (attempt < max) await new Promise((r) => setTimeout(r, (Number(this.config.retryDelayMs) || 0) * 2 ** (attempt - 1)));
		}
		return attempts;
	}

	/**
	 * What Lago's hourly job does: report the stored events it cannot bill, each once, if there are any.
	 * @param {Array<{ transaction_id: string, code: string, properties: Record<string, unknown>, lago_id: string }>} storedEvents
	 * @param {{ repeat?: number }} [options]
	 */
	async sendEventsErrors(storedEvents, options = {}) {
		const fresh = storedEvents.filter((e) => !this.reported.has(e.lago_id));
		const errors = computeEventsErrors(fresh, this.metrics());
		fresh.forEach((e) => this.reported.add(e.lago_id));
		const total = errors.invalid_code.length + errors.missing_aggregation_property.length + errors.invalid_filter_values.length;
		if (total === 0) return { events_errors: errors, sent: false, deliveries: [] };
		const result = await this.send('events.errors', 'events_errors', errors, options);
		return { events_errors: errors, sent: true, deliveries: result.deliveries };
	}
}

/** Lago's object_type for a webhook type: `invoice.created` → invoice, `events.errors` → events_errors. @param {string} type */
function defaultObjectType(type) {
	if (type === 'events.errors') return 'events_errors';
	if (type === 'event.error') return 'event_error';
	return type.split('.')[0];
}

/**
 * /_sandbox/webhooks/* control routes, for tests and the demo running n8n out of process.
 * @param {string} key "METHOD name" below /_sandbox/webhooks/
 * @param {() => any} readJson
 * @param {WebhookCenter} center
 * @param {() => any[]} storedEvents
 * @returns {Promise<Reply> | Reply | null}
 */
function handleWebhookControl(key, readJson, center, storedEvents) {
	switch (key) {
		case 'GET endpoints':
			return { status: 200, body: Array.from(center.endpoints.values()) };
		case 'GET deliveries':
			return { status: 200, body: center.deliveries };
		case 'GET keys':
			return { status: 200, body: { hmacKey: center.hmacKey, publicKeyPem: center.publicKeyPem } };
		case 'POST rotate-key':
			return { status: 200, body: { publicKeyPem: center.rotateKey() } };
		case 'POST config':
			return { status: 200, body: center.configure(readJson() || {}) };
		case 'POST reset':
			center.reset();
			return { status: 200, body: { ok: true } };
		case 'POST send': {
			const input = readJson() || {};
			if (typeof input.webhook_type !== 'string') throw new TypeError('webhook_type is required');
			const objectType = typeof input.object_type === 'string' ? input.object_type : defaultObjectType(input.webhook_type);
			return center
				.send(input.webhook_type, objectType, input.object ?? {}, { repeat: input.repeat, endpointId: input.endpointId, organizationId: input.organization_id })
				.then((result) => ({ status: 200, body: result }));
		}
		case 'POST events-errors': {
			const input = readJson() || {};
			return center.sendEventsErrors(storedEvents(), { repeat: input.repeat }).then((result) => ({ status: 200, body: result }));
		}
		default:
			return null;
	}
}

module.exports = { WebhookCenter, handleWebhookControl, computeEventsErrors, signJwt, signHmac, ORGANIZATION_ID, ENDPOINT_LIMIT };
