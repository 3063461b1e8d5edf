// Types for TypeScript tests that import the plain-JS sandbox (e.g. `import { startSandbox } from '../sandbox'`).

export interface FaultOptions {
	/** PRNG seed; the same seed and request sequence give the same faults. Default 1. */
	seed?: number;
	/** Probability (0..1) that an events request gets 429. */
	rate429?: number;
	/** Value of X-RateLimit-Reset on a fault 429, in seconds. Default 1. */
	resetSeconds?: number;
	/** Probability (0..1) of a 503 with an HTML body. */
	rate503?: number;
	/** Probability (0..1) that the connection is destroyed without an answer. */
	rateReset?: number;
	/** The first N events requests get a 503 (does not consume PRNG draws). */
	firstAttemptsFail?: number;
	/** These events requests (1-based, counted like firstAttemptsFail) get a 503 (no PRNG draw). */
	failRequests?: number[];
}

export interface SandboxOptions {
	/** Default 0 (a free port). */
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** Default 'lago-sandbox-key'. */
	apiKey?: string;
	/** Default 100. */
	batchMaxLength?: number;
	/** Answer requests over Lago Cloud's per-second limits (500 ingestion, 200 current usage, 50 other) with 429. */
	enforceRateLimits?: boolean;
	faults?: FaultOptions | null;
	/** Events with these transaction_ids fail like a billable-metric expression error. */
	rejectTransactionIds?: string[];
	/** The organisation's webhook HMAC key; random when absent. */
	webhookHmacKey?: string;
	/** The organisation's billable metrics; the 15 catalog metrics when absent. */
	billableMetrics?: BillableMetricInput[];
}

/** A billable metric as Lago keeps it; missing fields are completed as Lago's serializer shows them. */
export interface BillableMetricInput {
	code: string;
	name?: string;
	/** count_agg, sum_agg, max_agg, unique_count_agg, weighted_sum_agg, latest_agg or custom_agg; default count_agg. */
	aggregation_type?: string;
	field_name?: string | null;
	expression?: string | null;
	filters?: Array<{ key: string; values: string[] }>;
}

export interface BillableMetric extends Required<BillableMetricInput> {
	lago_id: string;
	aggregation_type: string;
	description: string;
	recurring: boolean;
}

export type Fault = '429' | '503' | 'reset';

export interface RequestRecord {
	method: string;
	/** Raw path as received (still percent-encoded), without the query string. */
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	rawBody: string;
	/** Parsed JSON body, or undefined when empty or not JSON. */
	body: unknown;
	/** null when the connection was reset without an answer. */
	status: number | null;
	fault: Fault | undefined;
	/** Answered 429 by Lago Cloud's limits (enforceRateLimits), not by a seeded fault. */
	rateLimited?: boolean;
	/** Arrival time, epoch milliseconds. */
	at: number;
	/** When the answer was sent, epoch milliseconds; undefined while pending or when the connection was reset. */
	answeredAt: number | undefined;
}

export interface LagoEvent {
	lago_id: string;
	transaction_id: string;
	lago_customer_id: null;
	code: string;
	timestamp: string;
	precise_total_amount_cents: string | null;
	properties: Record<string, unknown>;
	lago_subscription_id: null;
	external_subscription_id: string | null;
	created_at: string;
}

export interface SandboxStats {
	requests: number;
	byStatus: Record<string, number>;
	faults: { 429: number; 503: number; reset: number };
	/** Requests answered 429 by Lago Cloud's limits (enforceRateLimits). */
	rateLimited: number;
	storedEvents: number;
	distinctTransactionIds: number;
	/** From the first request's arrival to the last answer, in ms (null before any request). */
	trafficSpanMs: number | null;
}

export interface SeedEvent {
	transaction_id: string;
	external_subscription_id?: string;
	code: string;
	timestamp?: number | string;
	properties?: Record<string, unknown>;
	precise_total_amount_cents?: string | number;
}

export interface Sandbox {
	/** http://127.0.0.1:PORT */
	readonly url: string;
	/** url + '/api/v1' */
	readonly apiUrl: string;
	readonly apiKey: string;
	readonly port: number;
	/** Every /api/v1 (and unknown-path) request, in arrival order; /_sandbox calls are not recorded. */
	readonly requests: RequestRecord[];
	/** Stored events, in insertion order, exactly as the API returns them. */
	readonly events: LagoEvent[];
	stats(): SandboxStats;
	/** Clears requests and events and rewinds the fault sequence; options are kept. */
	reset(): void;
	/** Stores events directly (no faults, no rejection); throws on invalid or duplicate input. */
	seedEvents(events: SeedEvent[]): LagoEvent[];
	setFaults(faults: FaultOptions | null): void;
	setRejectTransactionIds(ids: string[]): void;
	setBatchMaxLength(n: number): void;
	/** Enforce Lago Cloud's per-second limits (429 over them), or only report them in X-RateLimit headers. */
	setRateLimits(enforce: boolean): void;
	/** Replaces the organisation's billable metrics (null: the catalog's); reset() keeps them. */
	setBillableMetrics(metrics: BillableMetricInput[] | null): void;
	readonly billableMetrics: BillableMetric[];
	/** Webhook endpoints, signing keys and deliveries (sandbox/webhooks.js). */
	readonly webhooks: WebhookCenter;
	stop(): Promise<void>;
}

export interface WebhookEndpoint {
	lago_id: string;
	lago_organization_id: string;
	webhook_url: string;
	signature_algo: 'jwt' | 'hmac';
	name: string | null;
	event_types: string[] | null;
	created_at: string;
}

export interface DeliveryAttempt {
	webhookId: string;
	endpointId: string;
	url: string;
	webhookType: string;
	attempt: number;
	status: number | null;
	error: string | null;
	at: number;
}

export interface WebhookConfig {
	/** Tries per delivery, the first included (Lago's default 3). */
	attempts: number;
	/** Wait before the first retry, doubled on each (default 200 ms; Lago waits longer). */
	retryDelayMs: number;
	timeoutMs: number;
	/** false: behave like a Lago from before event_types (ignore the field, do not render it). */
	supportsEventTypes: boolean;
	/** false: 404 on /webhooks/json_public_key, like a Lago that only has /webhooks/public_key. */
	jsonPublicKeyRoute: boolean;
	/** API-key resources denied with 403, e.g. ['webhook_endpoint']. */
	deniedResources: string[];
	/** When set, both public key routes answer this status (e.g. 500), as a Lago in trouble would. */
	publicKeyStatus?: number | null;
	/** The JWT `iss` (Lago's own URL). */
	issuer: string;
}

export interface SentWebhook {
	payload: Record<string, unknown>;
	body: string;
	deliveries: Array<{ endpointId: string; url: string; webhookId: string; attempts: DeliveryAttempt[] }>;
}

export interface WebhookCenter {
	readonly endpoints: Map<string, WebhookEndpoint>;
	readonly deliveries: DeliveryAttempt[];
	readonly hmacKey: string;
	readonly publicKeyPem: string;
	readonly keys: { publicKey: import('crypto').KeyObject; privateKey: import('crypto').KeyObject };
	config: WebhookConfig;
	rotateKey(): string;
	configure(patch: Partial<WebhookConfig>): WebhookConfig;
	reset(): void;
	send(webhookType: string, objectType: string, object: unknown, options?: { repeat?: number; endpointId?: string; organizationId?: string }): Promise<SentWebhook>;
	sendEventsErrors(storedEvents: LagoEvent[], options?: { repeat?: number }): Promise<{ events_errors: Record<string, string[] | null>; sent: boolean; deliveries: SentWebhook['deliveries'] }>;
}

export function signJwt(payload: object, privateKey: import('crypto').KeyObject): string;
export function signHmac(body: string, hmacKey: string): string;
export const ORGANIZATION_ID: string;

export function startSandbox(options?: SandboxOptions): Promise<Sandbox>;
