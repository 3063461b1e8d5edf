import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { LagoEvents } from '../../nodes/LagoEvents/LagoEvents.node';

/** The example workflows users import must only use parameters and values the node really has. */

const dir = join(__dirname, '..', '..', 'examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const { properties } = new LagoEvents().description;
const names = new Set(properties.map((p) => p.name));
// One operation list per resource.
const operations = properties.filter((p) => p.name === 'operation').flatMap((p) => (p.options ?? []).map((o) => (o as { value: string }).value));

test('there are the six documented examples', () => {
	expect(files.sort()).toEqual([
		'estimate-before-charging.json',
		'meter-from-webhook.json',
		'nightly-backfill-postgres.json',
		'resend-events-lago-could-not-bill.json',
		'send-batch-from-code.json',
		'usage-over-limit-alert.json',
	]);
});

test.each(files)('%s uses only real Lago Events parameters and is fully connected', (file) => {
	const workflow = JSON.parse(readFileSync(join(dir, file), 'utf8'));
	const lagoNodes = workflow.nodes.filter((n: { type: string }) => n.type === 'n8n-nodes-lago.lagoEvents');
	expect(lagoNodes.length).toBeGreaterThan(0);
	for (const node of lagoNodes) {
		expect(node.typeVersion).toBe(1);
		expect(Object.keys(node.credentials)).toEqual(['lagoApi']);
		for (const key of Object.keys(node.parameters)) expect(names).toContain(key);
		expect(operations).toContain(node.parameters.operation);
	}
	const nodeNames = new Set(workflow.nodes.map((n: { name: string }) => n.name));
	for (const [from, { main }] of Object.entries<{ main: Array<Array<{ node: string }>> }>(workflow.connections)) {
		expect(nodeNames).toContain(from);
		for (const target of main.flat()) expect(nodeNames).toContain(target.node);
	}
	expect(Object.keys(workflow.connections)).toHaveLength(workflow.nodes.length - 1);
});
