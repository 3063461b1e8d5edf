'use strict';
// Reliability and AI-tool use in real n8n (1.x on Node 22, 2.x on Node 24): a 10,000-event soak under seeded faults,
// Send Batch inside Loop Over Items, n8n's Retry On Fail, the node run as an AI tool by n8n's Tool Executor, and the
// example workflows users import. Prerequisite: node e2e/setup.js.

const fs = require('fs');
const path = require('path');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll, executeChecked } = require('../n8n-harness/fixture');
const { log } = require('../n8n-harness/proc');

const API_KEY = 'e2e-reliability-key-4d2a';
const load = (file) => JSON.parse(fs.readFileSync(path.join(__dirname, 'workflows', file), 'utf8'));
const workflows = ['soak-10k.json', 'loop-over-items.json', 'retry-on-fail.json', 'ai-tool.json'].map(load);
const EXAMPLES_DIR = path.join(__dirname, '..', 'examples');
const examples = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json'));

const SOAK_FAULTS = { seed: 20261127, rate503: 0.1, rate429: 0.05, resetSeconds: 1, rateReset: 0.02 };

/**
 * n8n 2.x's Tool Executor takes its query keyed by tool name ({"Send_usage_to_Lago": {...}}), 1.x takes the
 * arguments themselves; the fixture holds the 1.x form.
 */
function keyToolQueryByToolName(wf) {
	const executor = wf.nodes.find((n) => n.type === '@n8n/n8n-nodes-langchain.toolExecutor');
	if (!executor) return wf;
	const tool = wf.nodes.find((n) => n.type === 'n8n-nodes-lago.lagoEventsTool');
	const toolName = tool.name.replace(/[^a-zA-Z0-9_-]/g, '_');
	const query = JSON.stringify({ [toolName]: JSON.parse(executor.parameters.query) });
	return { ...wf, nodes: wf.nodes.map((n) => (n === executor ? { ...n, parameters: { ...n.parameters, query } } : n)) };
}

describe.each(FLAVOURS)('Reliability and tool use in %s', (label, key) => {
	let sb;
	let n8n;

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY },
			credentials: (s) => [lagoCredential('lagoE2eCredMain', 'Lago sandbox (e2e)', s.url, API_KEY)],
			workflows: workflows.map((wf) => (key === 'n8n2' ? keyToolQueryByToolName(wf) : wf)),
		}));
	}, 300_000);

	afterAll(() => stopAll({ sb, n8n }));

	beforeEach(() => {
		sb.reset();
		sb.setFaults(null);
	});

	const run = (id, opts) => executeChecked(n8n, id, API_KEY, opts);

	test('soak: 10,000 events through Send Batch under 10% 503, 5% 429 (1 s reset) and 2% dropped connections: each stored exactly once, 0 errors', async () => {
		sb.setFaults(SOAK_FAULTS);
		const started = Date.now();
		const res = await run('lagoE2eSoak0001', { timeoutMs: 600_000 });
		const wallMs = Date.now() - started;
		const items = res.nodeItems('Send Batch');
		const stats = sb.stats();
		const batchRequests = sb.requests.filter((r) => r.path === '/api/v1/events/batch');
		const figures = {
			flavour: label,
			events: items.length,
			requests: batchRequests.length,
			retries: batchRequests.length - 100,
			faults: stats.faults,
			stored: stats.storedEvents,
			distinct: stats.distinctTransactionIds,
			executeSeconds: Number((res.ms / 1000).toFixed(1)),
			wallSeconds: Number((wallMs / 1000).toFixed(1)),
		};
		log(`soak figures: ${JSON.stringify(figures)}`);
		expect(items).toHaveLength(10_000);
		expect(items.filter((i) => i.json.error)).toHaveLength(0);
		expect(items.filter((i) => i.json.lago_id)).toHaveLength(10_000);
		expect(stats.storedEvents).toBe(10_000);
		expect(stats.distinctTransactionIds).toBe(10_000);
		expect(stats.faults['429'] + stats.faults['503'] + stats.faults.reset).toBeGreaterThan(0);
		expect(figures.retries).toBe(stats.faults['429'] + stats.faults['503'] + stats.faults.reset);
		// A retry resends the same bytes: every batch body that was sent more than once is identical.
		const bodiesByFirstId = new Map();
		for (const r of batchRequests) {
			const first = r.body.events[0].transaction_id;
			bodiesByFirstId.set(first, (bodiesByFirstId.get(first) || new Set()).add(r.rawBody));
		}
		expect(bodiesByFirstId.size).toBe(100);
		for (const bodies of bodiesByFirstId.values()) expect(bodies.size).toBe(1);
		items.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));
	}, 660_000);

	test('Loop Over Items: three runs of Send Batch with derived ids store 300 distinct events, no id repeats across iterations', async () => {
		const res = await run('lagoE2eLoop0001');
		const runs = [0, 1, 2].map((runIndex) => res.nodeItems('Send Batch', { runIndex }));
		expect(runs.map((r) => r.length)).toEqual([100, 100, 100]);
		const ids = runs.flat().map((i) => i.json.transaction_id);
		expect(new Set(ids).size).toBe(300);
		runs.forEach((items, runIndex) => items.forEach((item) => expect(item.json.transaction_id).toMatch(new RegExp(`^n8n-\\d+-[0-9a-f]{8}-${runIndex}-\\d+$`))));
		expect(sb.stats().storedEvents).toBe(300);
		expect(sb.stats().distinctTransactionIds).toBe(300);
	});

	test("Retry On Fail: the node fails at its 2nd batch, n8n re-runs it with the same derived ids and empty-Timestamp time, and nothing is stored twice", async () => {
		sb.setFaults({ failRequests: [2] });
		const res = await run('lagoE2eRetry001');
		const batches = sb.requests.filter((r) => r.path === '/api/v1/events/batch');
		expect(batches.map((r) => r.status)).toEqual([200, 503, 422, 200, 200]);
		// Transaction ID and Timestamp are both left empty: the retry's first batch is byte for byte the first one.
		expect(batches[2].rawBody).toBe(batches[0].rawBody);
		const items = res.nodeItems('Send Batch');
		expect(items).toHaveLength(250);
		expect(items.filter((i) => i.json.already_ingested)).toHaveLength(100);
		expect(items.filter((i) => i.json.lago_id)).toHaveLength(150);
		expect(sb.stats().storedEvents).toBe(250);
		expect(sb.stats().distinctTransactionIds).toBe(250);
	});

	// The tool's External Subscription ID and `team` map `$json`, which n8n evaluates against the agent's input item
	// (sub_demo_1, billing-team), not against the tool call's arguments (whose subscription_id is sub_demo_2).
	test('AI tool: $fromAI() arguments from a tool call and $json from the agent item reach Lago; a repeated call with the same transaction_id is not counted twice', async () => {
		const first = await run('lagoE2eTool0001');
		const output = first.nodeItems('Tool Executor');
		expect(output).toHaveLength(1);
		expect(JSON.stringify(output[0].json)).toContain('e2e-tool-call-1');
		// The billable-metric check reads the metric list first, then the event goes out.
		expect(sb.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /api/v1/billable_metrics 200', 'POST /api/v1/events 200']);
		expect(sb.requests[1].body).toEqual({
			event: {
				transaction_id: 'e2e-tool-call-1',
				external_subscription_id: 'sub_demo_1',
				code: 'storage_gb',
				timestamp: 1768471200,
				properties: { gb: 3.5, team: 'billing-team', requested_subscription: 'sub_demo_2' },
			},
		});
		const second = await run('lagoE2eTool0001');
		expect(JSON.stringify(second.nodeItems('Tool Executor')[0].json)).toContain('already_ingested');
		expect(sb.stats().storedEvents).toBe(1);
	});

	test.each(examples)('the example %s imports cleanly', async (file) => {
		const res = await n8n.cli(['import:workflow', `--input=${path.join(EXAMPLES_DIR, file)}`]);
		expect(res.code).toBe(0);
		expect(`${res.stdout}\n${res.stderr}`).toMatch(/Successfully imported 1 workflow/);
	});
});
