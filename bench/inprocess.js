#!/usr/bin/env node
'use strict';
/**
 * The node's own cost per item: Send Batch over N generated items (default 100,000) through n8n-core's real engine,
 * in this process, against the sandbox in a child process (so the server's work is not counted).
 * Prints CPU microseconds per item (this process: node + engine + HTTP client) and memory growth (peak RSS during
 * the run minus RSS before it).
 * Usage: node --expose-gc bench/inprocess.js [N] [--json out.json] [--form NAME | --all-forms]
 *   --form NAME   how the fields are mapped (FORMS below; default `paths`, the drag-and-drop form)
 *   --all-forms   every form, each in its own process (so memory growth is its own), as a table; --json gets them all
 *   --check MODE  Check Against Billable Metrics: dontSend (the node's default), sendAndFlag or dontCheck (the cost
 *                 before the check existed)
 * The `engine:` forms write `$json` as `($json)`, which the fast path refuses: n8n's engine (here the `legacy` one,
 * as isolated-vm has no build for Node 20) evaluates every field, for comparison.
 */
const os = require('os');
const path = require('path');
const fs = require('fs');
const { spawn } = require('child_process');

process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-bench-'));
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
require('./lib/tsRequire');
const { runNode } = require('../test/helpers/harness.ts');

const N = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 100_000;
const option = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const jsonOut = option('--json');

const base = { operation: 'createBatch', code: 'storage_gb' };
/** How users map the fields: every form sets the subscription, transaction id, timestamp and one property from the item. */
const FORMS = {
	paths: { ...base, externalSubscriptionId: '={{ $json.sub }}', transactionId: '={{ $json.id }}', timestamp: '={{ $json.at }}', properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] } },
	templates: { ...base, externalSubscriptionId: '={{ $json.sub }}', transactionId: '=order-{{ $json.id }}', timestamp: '={{ $json.at }}', properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }, { key: 'label', value: '=gb-{{ $json.gb }}/{{ $json.sub }}' }] } },
	defaults: { ...base, externalSubscriptionId: "={{ $json.sub ?? 'sub_demo_1' }}", transactionId: '={{ $json.id }}', timestamp: '={{ $json.at ?? 1700000000 }}', properties: { property: [{ key: 'gb', value: '={{ $json.gb ?? 0 }}' }] } },
	'object literal': { ...base, externalSubscriptionId: '={{ $json.sub }}', transactionId: '={{ $json.id }}', timestamp: '={{ $json.at }}', propertiesInput: 'json', propertiesJson: "={{ { gb: $json.gb, region: 'eu', tags: [$json.sub] } }}" },
	'JSON text': { ...base, externalSubscriptionId: '={{ $json.sub }}', transactionId: '={{ $json.id }}', timestamp: '={{ $json.at }}', propertiesInput: 'json', propertiesJson: '={ "gb": {{ $json.gb }}, "sub": "{{ $json.sub }}" }' },
};
const engineOnly = (value) => (typeof value === 'string' ? value.replace(/\$json\b/g, '($json)') : Array.isArray(value) ? value.map(engineOnly) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, engineOnly(v)])) : value);
for (const name of ['paths', 'object literal', 'JSON text']) FORMS[`engine: ${name}`] = engineOnly(FORMS[name]);

async function startSandboxProcess() {
	const child = spawn(process.execPath, [path.join(__dirname, '..', 'sandbox', 'cli.js'), '--port', '0', '--api-key', 'bench-key'], { stdio: ['ignore', 'pipe', 'inherit'] });
	const line = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('sandbox did not start in 10 s')), 10_000);
		child.stdout.once('data', (chunk) => {
			clearTimeout(timer);
			resolve(String(chunk));
		});
	});
	const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)[1];
	return { child, url };
}

async function main(formName) {
	const check = option('--check');
	const parameters = check ? { ...FORMS[formName], options: { checkBillableMetrics: check } } : FORMS[formName];
	if (!FORMS[formName]) throw new Error(`unknown form "${formName}"; forms: ${Object.keys(FORMS).join(', ')}`);
	const { child, url } = await startSandboxProcess();
	try {
		const items = Array.from({ length: N }, (_, i) => ({ id: `bench-${i}`, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2', gb: i % 97, at: 1700000000 + i }));
		global.gc?.();
		const rssBefore = process.memoryUsage().rss;
		let peak = rssBefore;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
		const cpuBefore = process.cpuUsage();
		const started = process.hrtime.bigint();
		const result = await runNode({
			items,
			executionId: `bench-${Date.now()}`,
			credentials: { region: 'custom', baseUrl: url, apiKey: 'bench-key' },
			parameters,
		});
		const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
		const cpu = process.cpuUsage(cpuBefore);
		clearInterval(sampler);
		peak = Math.max(peak, process.memoryUsage().rss);
		if (result.error) throw result.error;
		const ok = result.json.filter((j) => j.lago_id).length;
		if (ok !== N) throw new Error(`expected ${N} ingested items, got ${ok}`);
		const stats = await (await fetch(`${url}/_sandbox/stats`)).json();
		if (stats.distinctTransactionIds !== N) throw new Error(`sandbox stored ${stats.distinctTransactionIds} distinct ids, expected ${N}`);
		const figures = {
			form: formName,
			items: N,
			requests: stats.requests,
			wallMs: Math.round(wallMs),
			cpuMicrosPerItem: Number(((cpu.user + cpu.system) / N).toFixed(1)),
			memoryGrowthMiB: Number(((peak - rssBefore) / 1048576).toFixed(1)),
			eventsPerSecond: Math.round(N / (wallMs / 1000)),
			node: process.version,
		};
		if (check) figures.check = check;
		console.log(`in-process Send Batch, ${formName}${check ? ` (check: ${check})` : ''}, ${N} items: ${figures.cpuMicrosPerItem} µs CPU/item, memory growth ${figures.memoryGrowthMiB} MiB, ${figures.wallMs} ms wall, ${figures.requests} requests, ${figures.eventsPerSecond} events/s`);
		if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(figures, null, 2));
		return figures;
	} finally {
		child.kill();
	}
}

/** Every form in its own process; prints a table. */
function allForms() {
	const { execFileSync } = require('child_process');
	const rows = [];
	for (const form of Object.keys(FORMS)) {
		// The engine forms cost about a millisecond per item: a tenth of the items keeps the run short.
		const n = form.startsWith('engine:') ? Math.max(1000, Math.round(N / 10)) : N;
		const out = path.join(os.tmpdir(), `lago-inprocess-form-${process.pid}.json`);
		execFileSync(process.execPath, ['--expose-gc', __filename, String(n), '--form', form, '--json', out], { stdio: 'inherit' });
		rows.push(JSON.parse(fs.readFileSync(out, 'utf8')));
		fs.rmSync(out, { force: true });
	}
	console.log('\n| mapping form | items | µs CPU per item | memory growth MiB | wall ms |\n|---|---|---|---|---|');
	for (const r of rows) console.log(`| ${r.form} | ${r.items} | ${r.cpuMicrosPerItem} | ${r.memoryGrowthMiB} | ${r.wallMs} |`);
	if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ forms: rows, node: process.version }, null, 2));
}

if (process.argv.includes('--all-forms')) {
	allForms();
	process.exit(0);
}

main(option('--form') ?? 'paths').then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
