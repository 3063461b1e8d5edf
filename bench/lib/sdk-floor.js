#!/usr/bin/env node
'use strict';
// The floor: a plain Node script with Lago's official JavaScript SDK sending the same events in sequential batches
// of 100, no n8n. Usage: node sdk-floor.js <apiUrl> <apiKey> <N> <timestamp>. Prints one JSON line.
const { Client } = require('lago-javascript-client');

async function main() {
	const started = process.hrtime.bigint();
	const [apiUrl, apiKey, n, ts] = process.argv.slice(2);
	const N = Number(n);
	const client = Client(apiKey, { baseUrl: apiUrl });
	const events = Array.from({ length: N }, (_, i) => ({ transaction_id: `bench-${i}`, external_subscription_id: i % 2 ? 'sub_demo_1' : 'sub_demo_2', code: 'api_calls', timestamp: Number(ts) + i / 1000, properties: { gb: i % 97 } }));
	const ingestStarted = process.hrtime.bigint();
	for (let i = 0; i < N; i += 100) {
		await client.events.createBatchEvents({ events: events.slice(i, i + 100) });
	}
	const done = process.hrtime.bigint();
	console.log(JSON.stringify({ ingestSeconds: Number(done - ingestStarted) / 1e9, wallSeconds: Number(done - started) / 1e9, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
