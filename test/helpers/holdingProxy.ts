import http from 'http';
import type { AddressInfo } from 'net';

import type { Sandbox } from '../../sandbox';

/**
 * The in-process sandbox answers each request at once, so overlap is measured in front of it: a proxy that holds
 * every answer for `holdMs` and counts the requests it is holding.
 */
export async function holdingProxy(target: string, holdMs: number, holdBeforeSending: (rawBody: string) => number = () => 0) {
	let inFlight = 0;
	let most = 0;
	const server = http.createServer((req, res) => {
		inFlight++;
		most = Math.max(most, inFlight);
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const forward = () => {
				const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
					const parts: Buffer[] = [];
					answer.on('data', (chunk: Buffer) => parts.push(chunk));
					answer.on('end', () =>
						setTimeout(() => {
							inFlight--;
							res.writeHead(answer.statusCode ?? 502, answer.headers);
							res.end(Buffer.concat(parts));
						}, holdMs),
					);
				});
				upstream.end(body);
			};
			setTimeout(forward, holdBeforeSending(body.toString('utf8')));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		maxInFlight: () => most,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Runs `body` with credentials that go through a holding proxy in front of `sandbox`; returns the most requests held at once. */
export async function throughProxy(
	sandbox: Sandbox,
	holdMs: number,
	body: (credentials: Record<string, string>) => Promise<unknown>,
	holdBeforeSending?: (rawBody: string) => number,
): Promise<number> {
	const proxy = await holdingProxy(sandbox.url, holdMs, holdBeforeSending);
	try {
		await body({ region: 'custom', baseUrl: proxy.url, apiKey: sandbox.apiKey });
	} finally {
		await proxy.close();
	}
	return proxy.maxInFlight();
}
