import http from 'http';
import type { AddressInfo } from 'net';

/** A scripted HTTP server on 127.0.0.1 that records every request exactly as it arrived. */

export interface Recorded {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	rawBody: string;
	body: any;
}

export interface Reply {
	status?: number;
	body?: unknown;
	/** Sent as-is instead of JSON (e.g. a proxy's HTML page). */
	raw?: string;
	headers?: Record<string, string>;
	/** Drop the connection without answering. */
	destroy?: boolean;
}

export type Handler = (request: Recorded, index: number) => Reply;

export interface MockLago {
	url: string;
	requests: Recorded[];
	close: () => Promise<void>;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });

export async function startMock(handler: Handler): Promise<MockLago> {
	const requests: Recorded[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const rawBody = Buffer.concat(chunks).toString('utf8');
			let body: any;
			try {
				body = rawBody ? JSON.parse(rawBody) : undefined;
			} catch {
				body = undefined;
			}
			const recorded: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body };
			requests.push(recorded);
			const reply = handler(recorded, requests.length - 1);
			if (reply.destroy) {
				req.socket.destroy();
				return;
			}
			const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
			res.writeHead(reply.status ?? 200, {
				'Content-Type': reply.raw ? 'text/html' : 'application/json; charset=utf-8',
				...(reply.headers ?? {}),
			});
			res.end(payload);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A Lago event object, as Lago's serializer returns it, for an event that was sent. */
export function lagoEvent(sent: any, n = 1): Record<string, unknown> {
	return {
		lago_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
		transaction_id: sent.transaction_id,
		lago_customer_id: null,
		code: sent.code,
		timestamp: new Date(Math.round(Number(sent.timestamp) * 1000)).toISOString(),
		precise_total_amount_cents: sent.precise_total_amount_cents ?? null,
		properties: sent.properties ?? {},
		lago_subscription_id: null,
		external_subscription_id: sent.external_subscription_id,
		created_at: '2026-11-27T10:00:00Z',
	};
}

/** A mock Lago started before each test and closed after it (in a file, or in a describe), as `useMockLago` gives it. */
export interface MockPerTest {
	readonly url: string;
	readonly requests: Recorded[];
	/** How it answers; reset to the initial handler before each test, and a test may replace it. */
	handler: Handler;
	close(): Promise<void>;
	/** A new mock on a new port, answering with `handler` (after a test closed the last one). */
	restart(): Promise<void>;
}

export function useMockLago(initial: Handler): MockPerTest {
	let current: MockLago | undefined;
	const running = () => {
		if (!current) throw new Error('useMockLago: no mock is running (use it inside a test)');
		return current;
	};
	const mock: MockPerTest = {
		handler: initial,
		get url() {
			return running().url;
		},
		get requests() {
			return running().requests;
		},
		close: async () => current?.close(),
		restart: async () => {
			current = await startMock((req, i) => mock.handler(req, i));
		},
	};
	beforeEach(async () => {
		mock.handler = initial;
		await mock.restart();
	});
	afterEach(async () => {
		await current?.close();
		current = undefined;
	});
	return mock;
}
