#!/usr/bin/env node
'use strict';
/**
 * node bench/operations.js [--n8n2] [--rtt MS] [--scale F] [--ops LIST] [--send-parallel LIST] [--loopback] [--skip LIST]
 *
 * Every operation of the Lago Events node inside a real n8n (`n8n execute`), on an emulated network (HTTPS through a
 * proxy adding MS of round trip, default 50; bench/lib/network.js) in front of a sandbox that enforces Lago Cloud's
 * rate limits (429 over 500/s ingestion, 200/s current usage, 50/s the rest), beside:
 *   floor1   the same requests from a plain Node script, one at a time, fetch with keep-alive (what
 *            lago-javascript-client does), no n8n (bench/lib/read-floor.js)
 *   floor10  the same with 10 at once (Promise.all over 10); it waits out each 429 and counts it
 *   http     the HTTP Request node, one request per item (per-item operations), never erroring, so 429s are counted
 * Workloads are the issue's (Get 1,000 items, Estimate Fees 1,000, Get Current 1,000 customers, Get Past 200 customers x
 * 3 periods, Get Many 10,000 events, Estimate Instant Fees 10,000 items, Send 10,000 items) times --scale (default 1).
 * Figures: seconds (n8n's executionTime of the node; the floor script's own timer), requests, connections the proxy
 * accepted, 429s the sandbox answered. --send-parallel 10,20,32 adds Send rows with those Parallel Requests.
 * --loopback: instead, the sandbox on loopback as a self-hosted Lago (no limits enforced, the credential's Rate Limits
 * None), each operation's default beside Parallel Requests 1 (one request at a time, as before) and the floors.
 * --skip create:http,create:floor1 leaves those rows out (op:key, keys node, node pN, http, floor1, floor10).
 * Writes bench/results/operations-<flavour>[-loopback].json, with the rows measured so far when a row leaves
 * connections open that do not close (the run stops there: the next row's counts would mix with them).
 */
const fs = require('fs');
const path = require('path');
const { startSandbox } = require('../sandbox');
const { N8nInstance, parseExecuteOutput } = require('../n8n-harness/instance');
const { currentTarball } = require('../n8n-harness/pack');
const { FLAVOURS, ensureN8n } = require('../n8n-harness/install');
const { run } = require('../n8n-harness/proc');
const { parseOptions } = require('../n8n-harness/cli');
const { startNetwork } = require('./lib/network');

const ALL_OPS = ['get', 'estimateFees', 'getCurrent', 'getPast', 'getMany', 'estimateInstantFees', 'create'];
const { flavour, rtt: RTT, scale: SCALE, ops: OPS_TEXT, sendParallel: SEND_PARALLEL, loopback: LOOPBACK, skip: SKIP_TEXT } = parseOptions(process.argv.slice(2), {
	defaults: { flavour: 'n8n1', rtt: 50, scale: 1, ops: ALL_OPS.join(','), sendParallel: '', loopback: false, skip: '' },
	flags: { '--n8n2': { flavour: 'n8n2' }, '--loopback': { loopback: true } },
	values: { '--rtt': ['rtt', Number], '--scale': ['scale', Number], '--ops': ['ops'], '--send-parallel': ['sendParallel'], '--skip': ['skip'] },
	helpFile: __filename,
	helpLines: [3, 22],
});
const SKIP = new Set(SKIP_TEXT.split(',').map((s) => s.trim()).filter(Boolean));
const OPS = OPS_TEXT.split(',').map((o) => o.trim());
const API_KEY = 'bench-ops-key';
const CRED = { id: 'benchOpsCred0001', name: 'Lago sandbox (bench operations)' };

/** Items per operation at --scale 1: the issue's workloads. */
const WORKLOAD = { get: 1000, estimateFees: 1000, getCurrent: 1000, getPast: 200, getMany: 10000, estimateInstantFees: 10000, create: 10000 };
const LABEL = {
	get: 'Get',
	estimateFees: 'Estimate Fees',
	getCurrent: 'Get Current',
	getPast: 'Get Past (x 3 periods)',
	getMany: 'Get Many (events)',
	estimateInstantFees: 'Estimate Instant Fees',
	create: 'Send (per item)',
};

/** The Code node's items for an operation. */
function itemsCode(op, n) {
	const customer = "i % 2 ? { customer: 'cus_demo_1', sub: 'sub_demo_1' } : { customer: 'cus_demo_2', sub: 'sub_demo_2' }";
	const body = {
		get: `({ id: 'get-' + i })`,
		estimateFees: `({ sub: 'sub_demo_1' })`,
		getCurrent: `(${customer})`,
		getPast: `(${customer})`,
		getMany: `({})`,
		estimateInstantFees: `({ tx: 'if-' + i })`,
		create: `({ tx: 'bench-' + i, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2', at: 1768471200 + i / 1000, gb: i % 97 })`,
	}[op];
	return `return Array.from({ length: ${op === 'getMany' ? 1 : n} }, (_, i) => ({ json: ${body} }));`;
}

const metric = { __rl: true, mode: 'id', value: 'api_calls' };

function lagoParameters(op, options = {}) {
	switch (op) {
		case 'get':
			return { resource: 'event', operation: 'get', transactionId: '={{ $json.id }}', options };
		case 'estimateFees':
			return { resource: 'event', operation: 'estimateFees', externalSubscriptionId: '={{ $json.sub }}', code: metric, options };
		case 'getCurrent':
			return { resource: 'customerUsage', operation: 'getCurrent', externalCustomerId: '={{ $json.customer }}', externalSubscriptionId: { __rl: true, mode: 'id', value: '={{ $json.sub }}' }, options };
		case 'getPast':
			return { resource: 'customerUsage', operation: 'getPast', externalCustomerId: '={{ $json.customer }}', externalSubscriptionId: { __rl: true, mode: 'id', value: '={{ $json.sub }}' }, options: { periodsCount: 3, ...options } };
		case 'getMany':
			return { resource: 'event', operation: 'getMany', returnAll: true, options };
		case 'estimateInstantFees':
			return { resource: 'event', operation: 'estimateInstantFees', externalSubscriptionId: 'sub_demo_1', code: metric, transactionId: '={{ $json.tx }}', options };
		case 'create':
			return {
				resource: 'event',
				operation: 'create',
				externalSubscriptionId: '={{ $json.sub }}',
				code: metric,
				transactionId: '={{ $json.tx }}',
				timestamp: '={{ $json.at }}',
				properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
				options,
			};
		default:
			throw new Error(op);
	}
}

/** The HTTP Request node doing the same per item; never erroring, so a 429 is an item and is counted, not a stop. */
function httpParameters(op, apiUrl) {
	const common = {
		sendHeaders: true,
		headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${API_KEY}` }] },
		options: { response: { response: { neverError: true } } },
	};
	switch (op) {
		case 'get':
			return { method: 'GET', url: `=${apiUrl}/events/{{ $json.id }}`, ...common };
		case 'estimateFees':
			return { method: 'POST', url: `${apiUrl}/events/estimate_fees`, sendBody: true, specifyBody: 'json', jsonBody: '={ "event": { "code": "api_calls", "external_subscription_id": "{{ $json.sub }}" } }', ...common };
		case 'getCurrent':
			return { method: 'GET', url: `=${apiUrl}/customers/{{ $json.customer }}/current_usage?external_subscription_id={{ $json.sub }}&apply_taxes=true`, ...common };
		case 'getPast':
			return { method: 'GET', url: `=${apiUrl}/customers/{{ $json.customer }}/past_usage?external_subscription_id={{ $json.sub }}&periods_count=3`, ...common };
		case 'create':
			return {
				method: 'POST',
				url: `${apiUrl}/events`,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={ "event": { "transaction_id": "{{ $json.tx }}", "external_subscription_id": "{{ $json.sub }}", "code": "api_calls", "timestamp": {{ $json.at }}, "properties": { "gb": {{ $json.gb }} } } }',
				...common,
			};
		default:
			return undefined;
	}
}

function workflow(id, op, n, tail) {
	return {
		id,
		name: `bench operations ${id}`,
		active: false,
		nodes: [
			{ id: `${id}-t`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: `${id}-c`, name: 'Generate', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: itemsCode(op, n) } },
			{ id: `${id}-s`, name: 'Node', position: [400, 0], ...tail },
		],
		connections: { Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] }, Generate: { main: [[{ node: 'Node', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** What the sandbox must hold before an operation's row. */
function seed(sb, op, n) {
	if (op === 'get') sb.seedEvents(Array.from({ length: n }, (_, i) => ({ transaction_id: `get-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1768471200 + i })));
	if (op === 'getMany') sb.seedEvents(Array.from({ length: n }, (_, i) => ({ transaction_id: `gm-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1768471200 + i, properties: { note: `event number ${i}` } })));
}

async function main() {
	await ensureN8n(flavour);
	const sb = await startSandbox({ port: 0, apiKey: API_KEY, enforceRateLimits: !LOOPBACK });
	// On loopback no proxy: connections are not counted, and nothing needs the certificate.
	const network = LOOPBACK
		? { url: sb.url, caFile: undefined, idle: async () => 0, resetConnections: () => undefined, connections: () => undefined, stop: async () => undefined }
		: await startNetwork(sb.url, { rttMs: RTT, tls: true });
	const apiUrl = `${network.url}/api/v1`;
	const n8n = await N8nInstance.create(flavour, { tarball: await currentTarball() });
	const rows = [];
	let stoppedAt;
	try {
		await n8n.importCredentials([{ id: CRED.id, name: CRED.name, type: 'lagoApi', data: { region: 'custom', baseUrl: network.url, apiKey: API_KEY, ...(LOOPBACK ? { rateLimits: 'none' } : {}) } }]);
		const lago = (parameters) => ({ type: 'n8n-nodes-lago.lagoEvents', typeVersion: 1, credentials: { lagoApi: CRED }, parameters });
		const plan = [];
		OPS.forEach((op, o) => {
			const n = Math.max(op === 'getMany' || op === 'estimateInstantFees' ? 100 : 1, Math.round(WORKLOAD[op] * SCALE));
			plan.push({ op, n, key: 'node', label: 'Lago Events, default settings', wf: workflow(`benchOp${o}n`.padEnd(16, '0'), op, n, lago(lagoParameters(op))) });
			if (LOOPBACK) {
				plan.push({ op, n, key: 'node p1', label: 'Lago Events, Parallel Requests 1 (one at a time, as before)', wf: workflow(`benchOp${o}s1`.padEnd(16, '0'), op, n, lago(lagoParameters(op, op === 'getMany' || op === 'estimateInstantFees' ? {} : { parallelRequests: 1 }))) });
			}
			if (op === 'create') {
				for (const p of SEND_PARALLEL ? SEND_PARALLEL.split(',').map(Number) : []) {
					plan.push({ op, n, key: `node p${p}`, label: `Lago Events, Parallel Requests ${p}`, wf: workflow(`benchOp${o}p${p}`.padEnd(16, '0'), op, n, lago(lagoParameters(op, { parallelRequests: p }))) });
				}
			}
			const http = httpParameters(op, apiUrl);
			if (http) plan.push({ op, n, key: 'http', label: 'HTTP Request node', wf: workflow(`benchOp${o}h`.padEnd(16, '0'), op, n, { type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, parameters: http }) });
			plan.push({ op, n, key: 'floor1', label: 'floor: fetch keep-alive, sequential', concurrency: 1 });
			plan.push({ op, n, key: 'floor10', label: 'floor: fetch keep-alive, Promise.all over 10', concurrency: 10 });
		});
		const chosen = plan.filter((p) => !SKIP.has(`${p.op}:${p.key}`));
		await n8n.importWorkflows(chosen.filter((p) => p.wf).map((p) => p.wf));
		for (const row of chosen) {
			// A row that failed (e.g. the HTTP Request node's burst of 10,000 connections running the proxy and sandbox
			// out of file descriptors) may leave connections closing for a while.
			const open = await network.idle(120_000);
			if (open > 0) {
				stoppedAt = `${open} connections of the previous row still open before ${LABEL[row.op]}: ${row.label}`;
				console.log(`stopped: ${stoppedAt}`);
				break;
			}
			sb.reset();
			seed(sb, row.op, row.n);
			sb.setRateLimits(!LOOPBACK);
			network.resetConnections();
			console.log(`${LABEL[row.op]} x ${row.n}: ${row.label}...`);
			let seconds;
			try {
				if (row.wf) {
					// As bench/run.js runs n8n: task runners on, the throwaway certificate trusted.
					const out = path.join(n8n.folder, `bench-${row.wf.id}.out`);
					const r = await run(n8n.flavour.node, [n8n.flavour.bin, 'execute', `--id=${row.wf.id}`, '--rawOutput'], {
						cwd: n8n.folder,
						env: n8n.env({ N8N_RUNNERS_ENABLED: 'true', ...(network.caFile ? { NODE_EXTRA_CA_CERTS: network.caFile } : {}) }),
						timeoutMs: 1_800_000,
						stdoutFile: out,
					});
					const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
					fs.rmSync(out, { force: true });
					const parsed = parseExecuteOutput(text);
					if (!parsed) throw new Error(`exit ${r.code}: ${r.stderr.slice(-300)}`);
					const nodeRun = parsed.data.resultData.runData.Node?.[0];
					if (!nodeRun) throw new Error(`the node did not run (exit ${r.code})`);
					if (nodeRun.error) throw new Error(nodeRun.error.message);
					seconds = nodeRun.executionTime / 1000;
				} else {
					const r = await run(process.execPath, [path.join(__dirname, 'lib', 'read-floor.js'), apiUrl, API_KEY, row.op, String(row.n), String(row.concurrency)], {
						timeoutMs: 1_800_000,
						env: { ...process.env, ...(network.caFile ? { NODE_EXTRA_CA_CERTS: network.caFile } : {}) },
					});
					if (r.code !== 0) throw new Error(r.stderr.slice(-400));
					seconds = JSON.parse(r.stdout.trim().split('\n').pop()).seconds;
				}
			} catch (error) {
				console.log(`  failed: ${error.message.split('\n')[0]}`);
				rows.push({ ...row, wf: undefined, failed: error.message.split('\n')[0] });
				continue;
			}
			const stats = sb.stats();
			const out = { op: row.op, key: row.key, label: row.label, items: row.n, seconds, requests: stats.requests, connections: network.connections(), rateLimited: stats.rateLimited };
			rows.push(out);
			console.log(`  ${seconds.toFixed(2)} s, ${out.requests} requests, ${out.connections} connections, ${out.rateLimited} x 429`);
		}
	} finally {
		await n8n.dispose();
		await network.stop();
		await sb.stop();
	}
	report(rows, stoppedAt);
	if (stoppedAt) process.exitCode = 1;
}

/** Prints the table and writes the results file, also for a run stopped part way (`stoppedAt` says where). */
function report(rows, stoppedAt) {
	const label = FLAVOURS[flavour].label;
	console.log(LOOPBACK ? `\n${label}, loopback, self-hosted (no limits), workloads x ${SCALE}` : `\n${label}, ${RTT} ms RTT over TLS, sandbox enforcing Lago Cloud's limits, workloads x ${SCALE}`);
	console.log('| operation | items | Lago Events s | floor sequential s | node / floor | floor x10 s | HTTP Request s | connections node / floor1 / floor10 / http | 429s node / floor10 / http |');
	console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
	const fmt = (r) => (!r ? '–' : r.failed ? 'failed' : r.seconds.toFixed(2));
	for (const op of OPS) {
		const get = (key) => rows.find((r) => r.op === op && r.key === key);
		const [node, f1, f10, http] = ['node', 'floor1', 'floor10', 'http'].map(get);
		const ratio = node && f1 && !node.failed && !f1.failed ? `${(node.seconds / f1.seconds).toFixed(2)}x` : '–';
		const c = (r) => (r && !r.failed && r.connections !== undefined ? r.connections : '–');
		const l = (r) => (r && !r.failed ? r.rateLimited : '–');
		console.log(`| ${LABEL[op]} | ${node?.items ?? '–'} | ${fmt(node)} | ${fmt(f1)} | ${ratio} | ${fmt(f10)} | ${fmt(http)} | ${c(node)} / ${c(f1)} / ${c(f10)} / ${c(http)} | ${l(node)} / ${l(f10)} / ${l(http)} |`);
		for (const extra of rows.filter((r) => r.op === op && r.key.startsWith('node p'))) {
			console.log(`|   ${extra.label} | ${extra.items} | ${fmt(extra)} | | ${f1 && !extra.failed ? `${(extra.seconds / f1.seconds).toFixed(2)}x` : '–'} | | | ${c(extra)} | ${l(extra)} |`);
		}
	}
	const file = path.join(__dirname, 'results', `operations-${flavour}${LOOPBACK ? '-loopback' : ''}.json`);
	fs.writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), flavour: label, rttMs: LOOPBACK ? 0 : RTT, scale: SCALE, command: `node bench/operations.js ${process.argv.slice(2).join(' ')}`, ...(stoppedAt ? { stoppedAt } : {}), rows }, null, 2)}\n`);
	console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().then(
	() => process.exit(process.exitCode ?? 0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
