#!/usr/bin/env node
'use strict';
// Smoke check of n8n itself (no Lago package): install if needed, import a Manual Trigger → Code workflow,
// execute it, check the Code node's items. Usage: node e2e/smoke.js [n8n1|n8n2 ...]

const { N8nInstance } = require('../n8n-harness/instance');
const { ensureN8n } = require('../n8n-harness/install');
const { log, fmtSecs } = require('../n8n-harness/proc');

const workflow = {
	id: 'lagoE2eSmoke001',
	name: 'e2e smoke (n8n only)',
	active: false,
	settings: { executionOrder: 'v1' },
	connections: { Start: { main: [[{ node: 'Make items', type: 'main', index: 0 }]] } },
	nodes: [
		{ id: 'a1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'a2',
			name: 'Make items',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 0],
			parameters: { jsCode: 'return Array.from({ length: 3 }, (_, i) => ({ json: { i, sq: i * i } }));' },
		},
	],
};

async function main() {
	const keys = process.argv.slice(2).length ? process.argv.slice(2) : ['n8n1', 'n8n2'];
	let failed = false;
	for (const key of keys) {
		const t0 = Date.now();
		await ensureN8n(key);
		const n8n = await N8nInstance.create(key);
		try {
			await n8n.importWorkflow(workflow);
			const res = await n8n.execute(workflow.id);
			const items = res.ok ? res.items('Make items') : [];
			const good = JSON.stringify(items) === JSON.stringify([{ i: 0, sq: 0 }, { i: 1, sq: 1 }, { i: 2, sq: 4 }]);
			log(`${n8n.flavour.label}: smoke ${good ? 'OK' : 'FAILED'} in ${fmtSecs(Date.now() - t0)}`);
			if (!good) {
				failed = true;
				log(res.describe());
			}
		} finally {
			await n8n.dispose();
		}
	}
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
