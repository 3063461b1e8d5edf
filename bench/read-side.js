#!/usr/bin/env node
'use strict';
/**
 * The read side's costs, counted against the sandbox (in a child process, so the server's memory is not counted),
 * through n8n-core's real engine in this process:
 *   1. requests made per operation for 1, 100, 101 and 1,000 results;
 *   2. memory of Get Many over 10,000 events (Return All), beside 1,000 events and Limit 50 over 10,000: the peak
 *      live heap during the run (sampled every 10 ms after a forced GC), the heap still held once the run is over
 *      (the output items, which n8n keeps), and the difference: what paging costs on top of the output. Flat means
 *      that difference does not grow with the number of pages.
 * Usage: node --expose-gc bench/read-side.js [--json out.json]
 */
const os = require('os');
const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');

process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-bench-'));
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
require('./lib/tsRequire');
const { runNode } = require('../test/helpers/harness.ts');

const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
const KEY = 'bench-key';
const T0 = 1767225600; // 2026-01-01T00:00:00Z

async function startSandboxProcess() {
	const child = spawn(process.execPath, [path.join(__dirname, '..', 'sandbox', 'cli.js'), '--port', '0', '--api-key', KEY], { stdio: ['ignore', 'pipe', 'inherit'] });
	const line = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('sandbox did not start in 10 s')), 10_000);
		child.stdout.once('data', (chunk) => {
			clearTimeout(timer);
			resolve(String(chunk));
		});
	});
	return { child, url: /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)[1] };
}

async function main() {
	const { child, url } = await startSandboxProcess();
	const control = async (name, body) => (await fetch(`${url}/_sandbox/${name}`, { method: body === undefined ? 'GET' : 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json();
	const seed = async (count) => {
		await control('reset', {});
		for (let start = 0; start < count; start += 5000) {
			const events = [];
			for (let i = start; i < Math.min(count, start + 5000); i++) {
				events.push({ transaction_id: `e${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: T0 + i, properties: { note: `event number ${i}` } });
			}
			await control('seed', events);
		}
	};
	const requestsOf = async (run) => {
		const before = (await control('stats')).requests;
		const result = await run();
		if (result.error) throw result.error;
		return { requests: (await control('stats')).requests - before, items: result.json.length, json: result.json };
	};
	const node = (parameters, items = [{}]) => runNode({ items, executionId: `bench-${Date.now()}`, credentials: { region: 'custom', baseUrl: url, apiKey: KEY }, parameters });

	try {
		const sizes = [1, 100, 101, 1000];
		const table = [];
		for (const n of sizes) {
			await seed(n);
			const all = await requestsOf(() => node({ operation: 'getMany', returnAll: true }));
			await seed(5000);
			const limited = await requestsOf(() => node({ operation: 'getMany', limit: n }));
			const instantItems = Array.from({ length: n }, (_, i) => ({ sub: ['sub_demo_1', 'sub_demo_2', 'sub_demo_3'][i % 3], tx: `p${i}` }));
			const instantParameters = { operation: 'estimateInstantFees', externalSubscriptionId: '={{ $json.sub }}', code: 'api_calls', transactionId: '={{ $json.tx }}', options: { initialRetryDelay: 0 } };
			const instant = await requestsOf(() => node(instantParameters, instantItems));
			// One item whose subscription is unknown: Lago fails its whole batch with a 500.
			const failing = await requestsOf(() => runNode({ items: instantItems.map((item, i) => (i === n - 1 ? { ...item, sub: 'sub_nope' } : item)), continueOnFail: true, executionId: `bench-${Date.now()}`, credentials: { region: 'custom', baseUrl: url, apiKey: KEY }, parameters: instantParameters }));
			const usageItems = Array.from({ length: n }, () => ({}));
			const usageParameters = { resource: 'customerUsage', externalCustomerId: 'cus_demo_1', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_demo_1' }, options: { billableMetricCode: { __rl: true, mode: 'id', value: 'api_calls' } } };
			const current = await requestsOf(() => node({ ...usageParameters, operation: 'getCurrent' }, usageItems));
			const past = await requestsOf(() => node({ ...usageParameters, operation: 'getPast', options: { ...usageParameters.options, periodsCount: 1 } }, usageItems));
			for (const [what, r, expectItems] of [
				['Get Many, Return All', all, n],
				['Get Many, Limit = n (5,000 stored)', limited, n],
				['Estimate Instant Fees', instant, n],
				['Get Current (one item per customer asked)', current, n],
				['Get Past, Periods Count 1', past, n],
			]) {
				if (r.items !== expectItems) throw new Error(`${what} for ${n}: expected ${expectItems} items, got ${r.items}`);
			}
			if (failing.items !== n) throw new Error(`Estimate Instant Fees with a failing batch for ${n}: expected ${n} items, got ${failing.items}`);
			table.push({ results: n, getManyReturnAll: all.requests, getManyLimit: limited.requests, estimateInstantFees: instant.requests, estimateInstantFeesOneBadItem: failing.requests, getCurrent: current.requests, getPast: past.requests });
		}
		console.log('Requests per operation (sandbox count):');
		console.table(table);

		const memory = [];
		for (const [label, count, parameters] of [
			['Return All, 100 events', 100, { operation: 'getMany', returnAll: true }],
			['Return All, 1,000 events', 1000, { operation: 'getMany', returnAll: true }],
			['Return All, 10,000 events', 10_000, { operation: 'getMany', returnAll: true }],
			['Limit 50, 10,000 events', 10_000, { operation: 'getMany', limit: 50 }],
		]) {
			await seed(count);
			global.gc?.();
			const heapBefore = process.memoryUsage().heapUsed;
			let peak = heapBefore;
			// With --expose-gc every sample is the live heap (garbage collected first), so the peak is what the run
			// holds at its worst moment, not when the collector happened to run.
			const sampler = setInterval(() => {
				global.gc?.();
				peak = Math.max(peak, process.memoryUsage().heapUsed);
			}, 10);
			const before = (await control('stats')).requests;
			const result = await node(parameters);
			clearInterval(sampler);
			peak = Math.max(peak, process.memoryUsage().heapUsed);
			if (result.error) throw result.error;
			const requests = (await control('stats')).requests - before;
			global.gc?.();
			const held = process.memoryUsage().heapUsed - heapBefore;
			const outputBytes = Buffer.byteLength(JSON.stringify(result.json));
			memory.push({
				run: label,
				items: result.json.length,
				requests,
				outputJsonMiB: Number((outputBytes / 1048576).toFixed(2)),
				peakLiveHeapGrowthMiB: Number(((peak - heapBefore) / 1048576).toFixed(1)),
				heapHeldAfterRunMiB: Number((held / 1048576).toFixed(1)),
				peakOverHeldMiB: Number(((peak - heapBefore - held) / 1048576).toFixed(1)),
			});
			result.json.length = 0;
		}
		const slope = await pagingSlope(seed, node, control);
		console.log(`Get Many memory (${process.version}${global.gc ? ', --expose-gc' : ', run with --expose-gc for steadier figures'}):`);
		console.table(memory);
		console.log(
			`Paging through 10,000 events: the live heap grows ${slope.perPageKiB} KiB per page from page 2 to page 100 (${slope.samples} samples); one page of output items is ${slope.pageJsonKiB} KiB of JSON. ` +
				'Each page leaves only its output items behind; what is left after the run is the output n8n keeps.',
		);
		if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ node: process.version, requests: table, memory, paging: slope }, null, 2));
	} finally {
		child.kill();
	}
}

/**
 * Live heap (after a forced GC) sampled while Get Many pages through 10,000 events, keyed by how many page requests
 * the sandbox has seen: the growth from page 2 to page 100, per page, is what each page leaves behind. Flat paging
 * leaves only its output items (about the page's JSON size), never the pages themselves.
 */
async function pagingSlope(seed, node, control) {
	await seed(10_000);
	const base = (await control('stats')).requests;
	const samples = [];
	let sampling = true;
	const sampleLoop = (async () => {
		while (sampling) {
			const requests = (await control('stats')).requests - base;
			global.gc?.();
			samples.push({ requests, heap: process.memoryUsage().heapUsed });
		}
	})();
	const result = await node({ operation: 'getMany', returnAll: true });
	sampling = false;
	await sampleLoop;
	if (result.error) throw result.error;
	const at = (page) => samples.filter((s) => s.requests === page).map((s) => s.heap);
	const first = Math.min(...at(2));
	const last = Math.max(...at(100));
	const perPageKiB = (last - first) / 98 / 1024;
	const pageJsonKiB = Buffer.byteLength(JSON.stringify(result.json.slice(0, 100))) / 1024;
	if (result.json.length !== 10_000) throw new Error(`expected 10000 events, got ${result.json.length}`);
	return { perPageKiB: Number(perPageKiB.toFixed(1)), pageJsonKiB: Number(pageJsonKiB.toFixed(1)), samples: samples.length };
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
