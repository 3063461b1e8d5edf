#!/usr/bin/env node
'use strict';
/**
 * The node's own cost per item: Send Batch over N generated items (default 100,000) through n8n-core's real engine,
 * in this process, against the sandbox in a child process (so the server's work is not counted).
 * Prints CPU microseconds per item (this process: node + engine + HTTP client) and memory growth (peak RSS during
 * the run minus RSS before it). Usage: node bench/inprocess.js [N] [--json out.json]
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
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;

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

async function main() {
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
			parameters: {
				operation: 'createBatch',
				externalSubscriptionId: '={{ $json.sub }}',
				code: 'storage_gb',
				transactionId: '={{ $json.id }}',
				timestamp: '={{ $json.at }}',
				properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
			},
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
			items: N,
			requests: stats.requests,
			wallMs: Math.round(wallMs),
			cpuMicrosPerItem: Number(((cpu.user + cpu.system) / N).toFixed(1)),
			memoryGrowthMiB: Number(((peak - rssBefore) / 1048576).toFixed(1)),
			eventsPerSecond: Math.round(N / (wallMs / 1000)),
			node: process.version,
		};
		console.log(`in-process Send Batch, ${N} items: ${figures.cpuMicrosPerItem} µs CPU/item, memory growth ${figures.memoryGrowthMiB} MiB, ${figures.wallMs} ms wall, ${figures.requests} requests, ${figures.eventsPerSecond} events/s`);
		if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(figures, null, 2));
		return figures;
	} finally {
		child.kill();
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
