#!/usr/bin/env node
'use strict';
// How often does n8n itself die by a signal? Runs a plain workflow (Manual Trigger → Code) and one of ours (Code makes
// 100 items → Lago Events Send Batch into the sandbox) with `n8n execute`, without crash retries, and counts the runs
// that ended by a signal, per n8n version and setting. The figures are in e2e/README.md ("n8n crashes").
// Usage: node e2e/crash-rate.js [--runs 50] [--only n8n1|n8n2] [--env NAME=value] [--label text]
//   --env may repeat; it sets n8n's environment for every run (e.g. --env N8N_EXPRESSION_ENGINE=legacy)

const { N8nInstance } = require('../n8n-harness/instance');
const { currentTarball } = require('../n8n-harness/pack');
const { FLAVOURS } = require('../n8n-harness/install');
const { CRASH_SIGNALS } = require('../n8n-harness/crashes');
const { log, fmtSecs } = require('../n8n-harness/proc');
const { parseOptions } = require('../n8n-harness/cli');
const { startSandbox } = require('../sandbox');

const API_KEY = 'crash-rate-sandbox-key';

const trigger = { id: 't', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
const code = (n) => ({
	id: 'c',
	name: 'Make items',
	type: 'n8n-nodes-base.code',
	typeVersion: 2,
	position: [220, 0],
	parameters: { jsCode: `return Array.from({ length: ${n} }, (_, i) => ({ json: { i, sub: i % 2 ? 'sub_demo_2' : 'sub_demo_1', tx: 'cr-' + $execution.id + '-' + i } }));` },
});
const WORKFLOWS = {
	plain: {
		id: 'lagoCrashPlain1',
		name: 'crash rate: Manual Trigger → Code',
		settings: { executionOrder: 'v1' },
		connections: { Start: { main: [[{ node: 'Make items', type: 'main', index: 0 }]] } },
		nodes: [trigger, code(3)],
	},
	lago: {
		id: 'lagoCrashLago01',
		name: 'crash rate: Code → Lago Events Send Batch',
		settings: { executionOrder: 'v1' },
		connections: {
			Start: { main: [[{ node: 'Make items', type: 'main', index: 0 }]] },
			'Make items': { main: [[{ node: 'Send Batch', type: 'main', index: 0 }]] },
		},
		nodes: [
			trigger,
			code(100),
			{
				id: 'l',
				name: 'Send Batch',
				type: 'n8n-nodes-lago.lagoEvents',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					resource: 'event',
					operation: 'createBatch',
					externalSubscriptionId: '={{ $json.sub }}',
					code: { __rl: true, mode: 'id', value: 'api_calls' },
					transactionId: '={{ $json.tx }}',
					propertiesInput: 'json',
					propertiesJson: '={{ { n: $json.i, doubled: $json.i * 2 } }}',
					options: {},
				},
				credentials: { lagoApi: { id: 'lagoCrashCred01', name: 'Lago sandbox (crash rate)' } },
			},
		],
	},
};

async function main() {
	// Exiting runs proc.js's exit hook, which kills the n8n still running.
	for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
	const opts = parseOptions(process.argv.slice(2), {
		defaults: { runs: 50, only: null, env: {}, label: '' },
		values: {
			'--runs': ['runs', Number],
			'--only': ['only'],
			'--label': ['label'],
			'--env': ['envPair'],
		},
		helpFile: __filename,
		helpLines: [2, 9],
	});
	// --env repeats: collect every pair from argv.
	const argv = process.argv.slice(2);
	const env = {};
	argv.forEach((a, i) => {
		if (a === '--env') {
			const [k, ...v] = argv[i + 1].split('=');
			env[k] = v.join('=');
		}
	});
	const keys = opts.only ? [opts.only] : Object.keys(FLAVOURS);
	const tarball = await currentTarball();
	const sb = await startSandbox({ port: 0, apiKey: API_KEY });
	const rows = [];
	try {
		for (const key of keys) {
			const n8n = await N8nInstance.create(key, { tarball });
			const baseEnv = n8n.env.bind(n8n);
			n8n.env = (extra = {}) => baseEnv({ ...env, ...extra });
			try {
				await n8n.importCredentials([{ id: 'lagoCrashCred01', name: 'Lago sandbox (crash rate)', type: 'lagoApi', data: { region: 'custom', baseUrl: sb.url, apiKey: API_KEY } }]);
				await n8n.importWorkflows(Object.values(WORKFLOWS));
				for (const [which, wf] of Object.entries(WORKFLOWS)) {
					const row = { flavour: n8n.flavour.label, node: n8n.flavour.node, workflow: which, runs: 0, ok: 0, signals: {}, otherFailures: 0, ms: 0 };
					rows.push(row);
					for (let i = 0; i < opts.runs; i++) {
						const res = await n8n.execute(wf.id, { crashRetries: 0, timeoutMs: 120_000 });
						row.runs += 1;
						row.ms += res.ms;
						if (res.signal && CRASH_SIGNALS.has(res.signal) && !res.timedOut) {
							const when = res.run && !res.error ? 'after a successful result' : 'before a result';
							row.signals[`${res.signal} ${when}`] = (row.signals[`${res.signal} ${when}`] || 0) + 1;
						} else if (res.ok) row.ok += 1;
						else row.otherFailures += 1;
					}
				}
			} finally {
				await n8n.dispose();
			}
		}
	} finally {
		await sb.stop();
	}
	const { execFileSync } = require('child_process');
	process.stdout.write(`\ncrash rate ${opts.label ? `(${opts.label}) ` : ''}env ${JSON.stringify(env)}\n`);
	process.stdout.write('| n8n | Node | workflow | runs | signal deaths | other failures | mean run |\n| --- | --- | --- | --- | --- | --- | --- |\n');
	for (const r of rows) {
		const node = execFileSync(r.node, ['--version']).toString().trim();
		const deaths = Object.values(r.signals).reduce((a, b) => a + b, 0);
		const detail = deaths ? ` (${Object.entries(r.signals).map(([k, v]) => `${v} ${k}`).join(', ')})` : '';
		process.stdout.write(`| ${r.flavour} | ${node} | ${r.workflow} | ${r.runs} | ${deaths}${detail} | ${r.otherFailures} | ${fmtSecs(r.ms / r.runs)} |\n`);
	}
}

main().catch((e) => {
	log(`crash-rate failed: ${e.stack || e.message}`);
	process.exit(1);
});
