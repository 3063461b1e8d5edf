import { readFileSync } from 'fs';
import { join } from 'path';

import { LagoTrigger } from '../../nodes/LagoTrigger/LagoTrigger.node';

/** The trigger in the example users import has only parameters and values the node really has. */

const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'resend-events-lago-could-not-bill.json'), 'utf8'));
const { properties } = new LagoTrigger().description;

test('the re-send example uses only real Lago Trigger parameters, with a fixed webhook id', () => {
	const triggers = example.nodes.filter((n: { type: string }) => n.type === 'n8n-nodes-lago.lagoTrigger');
	expect(triggers).toHaveLength(1);
	const [node] = triggers;
	expect(node.typeVersion).toBe(1);
	expect(node.webhookId).toMatch(/^[0-9a-f-]{36}$/);
	expect(Object.keys(node.credentials)).toEqual(['lagoApi']);
	expect(Object.keys(node.parameters).sort()).toEqual(['events', 'options', 'signatureAlgorithm']);
	const eventValues = properties.find((p) => p.name === 'events')?.options?.map((o) => (o as { value: string }).value);
	for (const type of node.parameters.events) expect(eventValues).toContain(type);
	const optionNames = (properties.find((p) => p.name === 'options')?.options ?? []).map((o) => (o as { name: string }).name);
	for (const key of Object.keys(node.parameters.options)) expect(optionNames).toContain(key);
	expect(node.parameters.options.lookUpEvents).toBe(true);
});
