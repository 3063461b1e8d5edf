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
	faults?: FaultOptions | null;
	/** Events with these transaction_ids fail like a billable-metric expression error. */
	rejectTransactionIds?: string[];
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
	stop(): Promise<void>;
}

export function startSandbox(options?: SandboxOptions): Promise<Sandbox>;
