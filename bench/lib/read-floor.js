#!/usr/bin/env node
'use strict';
// The floor for one operation: a plain Node script making the same requests as the node, with fetch and keep-alive
// (what lago-javascript-client does: it calls fetch), no n8n. A 429 waits for X-RateLimit-Reset and is sent again,
// so the job completes against a sandbox that enforces Lago Cloud's limits; 429s are counted.
// Usage: node read-floor.js <apiUrl> <apiKey> <operation> <count> <concurrency>. Prints one JSON line.

const [apiUrl, apiKey, operation, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const headers = { Authorization: `Bearer ${apiKey}`, Accept: 'application/json', 'Content-Type': 'application/json' };
let rateLimited = 0;
let requests = 0;

async function call(method, path, body) {
	for (;;) {
		requests++;
		const res = await fetch(`${apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await res.text();
		if (res.status === 429) {
			rateLimited++;
			await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('x-ratelimit-reset') || 1) * 1000));
			continue;
		}
		if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
		return JSON.parse(text);
	}
}

const customer = (i) => (i % 2 ? ['cus_demo_1', 'sub_demo_1'] : ['cus_demo_2', 'sub_demo_2']);

/** The requests of the operation, one function per request, in the node's order. */
function tasks() {
	switch (operation) {
		case 'get':
			return Array.from({ length: count }, (_, i) => () => call('GET', `/events/get-${i}`));
		case 'estimateFees':
			return Array.from({ length: count }, () => () => call('POST', '/events/estimate_fees', { event: { code: 'api_calls', external_subscription_id: 'sub_demo_1' } }));
		case 'getCurrent':
			return Array.from({ length: count }, (_, i) => () => call('GET', `/customers/${customer(i)[0]}/current_usage?external_subscription_id=${customer(i)[1]}&apply_taxes=true`));
		case 'getPast':
			return Array.from({ length: count }, (_, i) => () => call('GET', `/customers/${customer(i)[0]}/past_usage?external_subscription_id=${customer(i)[1]}&periods_count=3&page=1&per_page=100`));
		case 'getMany':
			// count = events; pages of 100.
			return Array.from({ length: Math.ceil(count / 100) }, (_, p) => () => call('GET', `/events?page=${p + 1}&per_page=100`));
		case 'estimateInstantFees':
			return Array.from({ length: Math.ceil(count / 100) }, (_, b) => () =>
				call('POST', '/events/batch_estimate_instant_fees', {
					events: Array.from({ length: Math.min(100, count - b * 100) }, (_, k) => ({ transaction_id: `if-${b * 100 + k}`, external_subscription_id: 'sub_demo_1', code: 'api_calls' })),
				}));
		case 'create':
			return Array.from({ length: count }, (_, i) => () =>
				call('POST', '/events', { event: { transaction_id: `floor-${i}`, external_subscription_id: i % 2 ? 'sub_demo_1' : 'sub_demo_2', code: 'api_calls', timestamp: 1768471200 + i / 1000, properties: { gb: i % 97 } } }));
		default:
			throw new Error(`unknown operation ${operation}`);
	}
}

async function main() {
	const list = tasks();
	const started = process.hrtime.bigint();
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(concurrency, list.length) }, async () => {
			while (next < list.length) await list[next++]();
		}),
	);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	console.log(JSON.stringify({ seconds, requests, rateLimited }));
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
