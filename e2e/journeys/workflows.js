'use strict';
// The workflows the journeys start from: only what a user would already have on the canvas. What the journey is
// about (the Lago node's fields, the credential) is clicked in the editor.

const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const LAGO_TYPE = 'n8n-nodes-lago.lagoEvents';
const TRIGGER_TYPE = 'n8n-nodes-lago.lagoTrigger';
const CREDENTIAL = { id: 'lagoJourneyCred1', name: 'Lago sandbox' };

/** Names and labels as the built package shows them, so the journeys follow the panels when their wording changes. */
function descriptions() {
	const load = (file, cls) => new (require(path.join(REPO_ROOT, 'dist', file))[cls])().description;
	const { LagoApi } = require(path.join(REPO_ROOT, 'dist', 'credentials', 'LagoApi.credentials.js'));
	return {
		events: load('nodes/LagoEvents/LagoEvents.node.js', 'LagoEvents'),
		trigger: load('nodes/LagoTrigger/LagoTrigger.node.js', 'LagoTrigger'),
		credential: new LagoApi(),
	};
}

/** A description's property (the first one shown for `show`), e.g. prop(d, 'timestamp', { operation: 'create' }). */
function prop(description, name, show = {}) {
	const fits = (p) => Object.entries(show).every(([k, v]) => !p.displayOptions?.show?.[k] || p.displayOptions.show[k].includes(v));
	const found = description.properties.find((p) => p.name === name && fits(p));
	if (!found) throw new Error(`${description.displayName} has no parameter ${name} for ${JSON.stringify(show)}`);
	return found;
}

const option = (property, value) => {
	const found = (property.options || []).find((o) => o.value === value);
	if (!found) throw new Error(`${property.displayName} has no option ${value}`);
	return found;
};

const MANUAL = 'When clicking ‘Execute workflow’';
const SOURCE = 'Usage records';
const RECORDS = [
	{ sub: 'sub_demo_1', record_id: 'journey-0001', gb: 12.5 },
	{ sub: 'sub_demo_2', record_id: 'journey-0002', gb: 4 },
	{ sub: 'sub_demo_1', record_id: 'journey-0003', gb: 0.75 },
];

function manualThen(id, name, nodes) {
	const all = [{ id: `${id}-m`, name: MANUAL, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} }, ...nodes];
	const connections = {};
	for (let i = 0; i + 1 < all.length; i++) connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name, active: false, settings: { executionOrder: 'v1' }, nodes: all, connections };
}

const code = (id, items) => ({
	id: `${id}-c`,
	name: SOURCE,
	type: 'n8n-nodes-base.code',
	typeVersion: 2,
	position: [240, 0],
	parameters: { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` },
});

const lago = (id, name, parameters, withCredential = true) => ({
	id: `${id}-l`,
	name,
	type: LAGO_TYPE,
	typeVersion: 1,
	position: [480, 0],
	...(withCredential ? { credentials: { lagoApi: { ...CREDENTIAL } } } : {}),
	parameters,
});

function workflows(d) {
	const nodeName = d.events.defaults.name;
	const triggerName = d.trigger.defaults.name;
	return {
		// 1: a Lago node with no credential yet.
		credential: manualThen('lagoJourney00001', 'Journey 1: create the Lago credential', [
			{ ...lago('lagoJourney00001', nodeName, { resource: 'event', operation: 'create' }, false), position: [240, 0] },
		]),
		// 2: a Code node making usage records; the Lago node is added in the editor.
		batch: manualThen('lagoJourney00002', 'Journey 2: Send Batch after a Code node', [code('lagoJourney00002', RECORDS)]),
		// 3: Customer Usage › Get Current for a customer; the subscription is picked in the editor.
		usage: manualThen('lagoJourney00003', 'Journey 3: customer usage', [
			{
				...lago('lagoJourney00003', nodeName, {
					resource: 'customerUsage',
					operation: 'getCurrent',
					externalCustomerId: 'cus_demo_2',
					externalSubscriptionId: { __rl: true, mode: 'list', value: '' },
					simplify: true,
				}),
				position: [240, 0],
			},
		]),
		// 4: a Lago Trigger on events.errors.
		trigger: {
			id: 'lagoJourney00004',
			name: 'Journey 4: Lago Trigger',
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: 'lagoJourney00004-t',
					name: triggerName,
					type: TRIGGER_TYPE,
					typeVersion: 1,
					position: [0, 0],
					webhookId: '5d0c5f1e-7a7e-4c1b-9f3e-00000000j004',
					credentials: { lagoApi: { ...CREDENTIAL } },
					parameters: { events: ['events.errors'] },
				},
			],
			connections: {},
		},
		// 5: Send with the subscription and metric filled in; the user types the timestamp.
		badInput: manualThen('lagoJourney00005', 'Journey 5: a timestamp Lago cannot use', [
			// The user's data carries a date Lago cannot read; Timestamp maps it (the date picker itself refuses free text).
			code('lagoJourney00005', RECORDS.slice(0, 1).map((r) => ({ ...r, when: 'yesterday' }))),
			lago('lagoJourney00005', nodeName, {
				resource: 'event',
				operation: 'create',
				externalSubscriptionId: '={{ $json.sub }}',
				code: { __rl: true, mode: 'list', value: 'storage_gb', cachedResultName: 'Storage (GB) (storage_gb)' },
				transactionId: '={{ $json.record_id }}',
				timestamp: '={{ $json.when }}',
				propertiesInput: 'keyValue',
				properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
			}),
		]),
	};
}

module.exports = { descriptions, prop, option, workflows, CREDENTIAL, RECORDS, MANUAL, SOURCE, LAGO_TYPE, TRIGGER_TYPE };
