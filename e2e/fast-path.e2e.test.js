'use strict';
// The fast path in real n8n (1.x on Node 22 and 2.x on Node 24, each with its default expression engine): the same
// workflow runs twice, once with the expression forms as written (most take the node's fast path) and once with
// every `$json` written `($json)`, which means the same to n8n but which the fast path refuses, so n8n's own engine
// evaluates every field. The request bodies the sandbox received and the items every Send Batch node output must be
// byte-identical. Forms and values: test/operations/fastPathCorpus.js.
// Prerequisite: node e2e/setup.js (installs both n8n versions, builds and packs the package).

const fs = require('fs');
const path = require('path');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll } = require('../n8n-harness/fixture');
const { log } = require('../n8n-harness/proc');
const corpus = require('../test/operations/fastPathCorpus');

const API_KEY = 'e2e-fast-path-key-4c1d9a';
const CREDENTIAL = { id: 'lagoE2eCredFast', name: 'Lago sandbox (fast path e2e)' };

// `{{ 1e21 }}` as a property would fail every item (a whole number Lago cannot receive exactly).
const kvForms = corpus.forms.filter((f) => f.fast && f.form !== '={{ 1e21 }}').map((f) => f.form);
const jsonForms = corpus.forms.filter((f) => f.fast && f.json).map((f) => f.form);

/** The Send Batch nodes of the workflow: name → parameters, with every expression passed through `write`. */
function lagoNodes(write) {
	const base = {
		resource: 'event',
		operation: 'createBatch',
		externalSubscriptionId: 'sub_demo_1',
		code: { __rl: true, mode: 'id', value: 'storage_gb' },
		timestamp: '1768471200',
		propertiesInput: 'keyValue',
		properties: {},
		additionalFields: {},
		// Send and Flag: the billable-metric check runs on both paths (storage_gb without a numeric gb is flagged), and
		// every event still goes out, so the requests of the two runs can be compared.
		options: { checkBillableMetrics: 'sendAndFlag' },
	};
	const nodes = {
		'Every form as a property': {
			...base,
			transactionId: write('=kv-{{ $json.id }}'),
			properties: { property: kvForms.map((form, i) => ({ key: `p${i}`, value: write(form) })) },
		},
		'Forms in the ID fields': {
			...base,
			transactionId: write('=ids-{{ $json.id }}-{{ $json.v ?? "none" }}'),
			externalSubscriptionId: write('={{ $json.v }}'),
			code: { __rl: true, mode: 'id', value: write('=metric_{{ $json.num }}') },
			timestamp: write('={{ $json.v ?? 1768471200 }}'),
		},
	};
	jsonForms.forEach((form, i) => {
		nodes[`Properties (JSON) ${i}`] = { ...base, transactionId: write(`=json${i}-{{ $json.id }}`), propertiesInput: 'json', propertiesJson: write(form) };
	});
	return nodes;
}

function workflow(id, write) {
	const trigger = 'When clicking ‘Execute workflow’';
	const nodes = [
		{ id: `${id}-t`, name: trigger, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: `${id}-c`,
			name: 'Make items',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 0],
			parameters: { jsCode: `return ${JSON.stringify(corpus.items())}.map((json) => ({ json }));` },
		},
	];
	const lago = Object.entries(lagoNodes(write));
	lago.forEach(([name, parameters], i) => {
		nodes.push({
			id: `${id}-l${i}`,
			name,
			type: 'n8n-nodes-lago.lagoEvents',
			typeVersion: 1,
			position: [460, i * 160],
			parameters,
			onError: 'continueRegularOutput',
			credentials: { lagoApi: CREDENTIAL },
		});
	});
	return {
		id,
		name: `e2e: fast path (${id})`,
		active: false,
		nodes,
		connections: {
			[trigger]: { main: [[{ node: 'Make items', type: 'main', index: 0 }]] },
			'Make items': { main: [lago.map(([name]) => ({ node: name, type: 'main', index: 0 }))] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

const FAST_ID = 'lagoE2eFastOn01';
const ENGINE_ID = 'lagoE2eFastOff1';
const nodeNames = Object.keys(lagoNodes((f) => f));

/** The engine each install really uses: N8N_EXPRESSION_ENGINE when set, else @n8n/config's default. */
function expressionEngine(n8n) {
	const env = n8n.env();
	if (env.N8N_EXPRESSION_ENGINE) return env.N8N_EXPRESSION_ENGINE;
	const configFile = require.resolve('@n8n/config/dist/configs/expression-engine.config.js', { paths: [path.dirname(fs.realpathSync(n8n.flavour.bin))] });
	const match = /this\.engine = '(\w+)'/.exec(fs.readFileSync(configFile, 'utf8'));
	return match ? match[1] : 'unknown (no expression-engine config)';
}

describe.each(FLAVOURS)('Fast path in %s', (label, key) => {
	let sb;
	let n8n;

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY },
			credentials: (s) => [lagoCredential(CREDENTIAL.id, CREDENTIAL.name, s.url, API_KEY)],
			workflows: [workflow(FAST_ID, (form) => form), workflow(ENGINE_ID, corpus.engineOnly)],
		}));
	}, 300_000);

	afterAll(() => stopAll({ sb, n8n }));

	async function runOnce(id) {
		sb.reset();
		const res = await n8n.execute(id);
		if (!res.ok) throw new Error(`expected a successful run: ${res.describe()}`);
		const bodies = sb.requests.filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path} ${r.rawBody}`);
		// lago_id and created_at are the sandbox's own; everything else must match byte for byte.
		const outputs = Object.fromEntries(
			nodeNames.map((name) => [
				name,
				res.nodeItems(name).map(({ json: { lago_id, created_at, ...json }, pairedItem }) => JSON.stringify({ json, pairedItem, stored: Boolean(lago_id && created_at) })),
			]),
		);
		// For the record (not asserted: timings belong to the bench): n8n's own time in the node with all the forms.
		const kv = res.nodeRun('Every form as a property');
		// eslint-disable-next-line no-console
		log(`${label} ${id}: ${kv.executionTime} ms in "Every form as a property" for ${corpus.values.length} items`);
		return { bodies, outputs, kvMs: kv.executionTime };
	}

	test('runs with its default expression engine', () => {
		// eslint-disable-next-line no-console
		log(`${label}: expression engine ${expressionEngine(n8n)}`);
		expect(expressionEngine(n8n)).toBe('vm');
	});

	test(`${kvForms.length} forms as properties, ${jsonForms.length} as Properties (JSON) and templates in the ID fields, over ${corpus.values.length} values: requests and outputs identical with and without the fast path`, async () => {
		const fast = await runOnce(FAST_ID);
		const engine = await runOnce(ENGINE_ID);
		expect(fast.bodies.length).toBeGreaterThanOrEqual(nodeNames.length);
		expect(fast.bodies).toEqual(engine.bodies);
		for (const name of nodeNames) {
			expect(fast.outputs[name]).toHaveLength(corpus.values.length);
			expect({ [name]: fast.outputs[name] }).toEqual({ [name]: engine.outputs[name] });
		}
		// Not vacuous: most items reached Lago, with the values the corpus holds.
		const stored = fast.outputs['Every form as a property'].filter((o) => JSON.parse(o).stored).length;
		expect(stored).toBe(corpus.values.length - 2);
		const first = JSON.parse(fast.bodies.find((b) => b.includes('"kv-fp-0"')).replace(/^POST \S+ /, '')).events.find((e) => e.transaction_id === 'kv-fp-0');
		expect(first.properties[`p${kvForms.indexOf('=order-{{ $json.v }}')}`]).toBe('order-sub_demo_1');
		// The fast path really ran: n8n's engine evaluates each of the node's ~1,700 mapped values in about 0.5 ms,
		// which the fast path skips for all but a few dozen. Switched off, both runs take the same time; the margin
		// (half, against a measured tenth or less) leaves room for a busy machine.
		expect(fast.kvMs).toBeLessThan(engine.kvMs / 2);
	});
});
