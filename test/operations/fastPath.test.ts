import { ExecuteContext } from 'n8n-core';

import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const corpus = require('./fastPathCorpus.js') as {
	items: () => object[];
	forms: Array<{ form: string; fast: boolean; json?: boolean }>;
	engineOnly: (form: string) => string;
};

/**
 * Send Batch computes the common expression forms from the item instead of through n8n's expression engine. Each run
 * here is made twice, once with the forms as written and once with every `$json` written `($json)`, which means the
 * same but always goes through the engine; the requests Lago receives and the items n8n outputs must be identical.
 */

const sandbox = useSandbox('fast-path-key');

const items = corpus.items();
// `{{ 1e21 }}` is a number Lago cannot receive exactly: as a property it would fail every item.
const fastForms = corpus.forms.filter((f) => f.fast && f.form !== '={{ 1e21 }}').map((f) => f.form);
const identity = (form: string) => form;

/** n8n-core's own parameter resolution, which every getNodeParameter of the node goes through. */
function engineParameterReads() {
	let owner = ExecuteContext.prototype as object | null;
	while (owner && !Object.prototype.hasOwnProperty.call(owner, '_getNodeParameter')) owner = Object.getPrototypeOf(owner) as object | null;
	if (!owner) throw new Error("n8n-core's _getNodeParameter was not found: the fast-path check needs another hook");
	return jest.spyOn(owner as { _getNodeParameter: (name: string, itemIndex: number) => unknown }, '_getNodeParameter');
}

async function run(parameters: object) {
	sandbox().reset();
	const reads = engineParameterReads();
	let result: Awaited<ReturnType<typeof runNode>>;
	let engineReads: number;
	try {
		result = await runNode({ items: items as never, parameters: parameters as never, credentials: sandboxCredentials(sandbox()), continueOnFail: true, executionId: 'fp' });
		// Reads n8n's engine answered for items after the first: the first item's reads also plan how a field is read.
		engineReads = reads.mock.calls.filter(([, itemIndex]) => itemIndex > 0).length;
	} finally {
		reads.mockRestore();
	}
	// lago_id and created_at are the server's own: everything else must match.
	const output = result.items.map(({ json: { lago_id, created_at, ...json }, pairedItem }) => ({ json, pairedItem, stored: Boolean(lago_id && created_at) }));
	return { bodies: sandbox().requests.filter((r) => r.method === 'POST').map((r) => r.rawBody), output, error: result.error?.message, engineReads };
}

// Send and Flag: the billable-metric check runs on both paths (storage_gb without a numeric gb is flagged), and every
// event is still sent, so the requests can be compared.
const base = { operation: 'createBatch', externalSubscriptionId: 'sub_demo_1', code: 'storage_gb', transactionId: '={{ $json.id }}', timestamp: '1700000000', options: { checkBillableMetrics: 'sendAndFlag' } };

const cases: Array<[string, (write: (form: string) => string) => object]> = [
	['every form as a key/value property', (write) => ({ ...base, properties: { property: fastForms.map((form, i) => ({ key: `p${i}`, value: write(form) })) } })],
	['a template as Transaction ID', (write) => ({ ...base, transactionId: write('=order-{{ $json.id }}-{{ $json.v ?? "none" }}'), properties: {} })],
	['a path as External Subscription ID', (write) => ({ ...base, externalSubscriptionId: write('={{ $json.v }}'), properties: {} })],
	['a path with a default as Timestamp', (write) => ({ ...base, timestamp: write('={{ $json.v ?? 1700000000 }}'), properties: {} })],
	['a template as Billable Metric Code', (write) => ({ ...base, code: { __rl: true, mode: 'id', value: write('=metric_{{ $json.num }}') }, properties: {} })],
	...corpus.forms
		.filter((f) => f.fast && f.json)
		.map((f): [string, (write: (form: string) => string) => object] => [`Properties (JSON) ${f.form}`, (write) => ({ ...base, propertiesInput: 'json', propertiesJson: write(f.form) })]),
];

test.each(cases)('fast and engine paths give identical requests and outputs: %s', async (_, parameters) => {
	const viaFastPath = await run(parameters(identity));
	const viaEngine = await run(parameters(corpus.engineOnly));
	expect(viaFastPath.error).toBeUndefined();
	expect(viaFastPath.output).toHaveLength(items.length);
	expect(viaFastPath.bodies).toEqual(viaEngine.bodies);
	expect(viaFastPath.output).toEqual(viaEngine.output);
	// The fast path really ran: n8n's engine answered under a tenth of the reads it answers without it (with the fast
	// path switched off, the two runs read the same).
	expect(viaFastPath.engineReads).toBeLessThanOrEqual(viaEngine.engineReads / 10);
});

test('the engine-only rewrite really leaves the fast path', () => {
	expect(corpus.engineOnly('=a {{ $json.x ?? $json.y }} {{ 1 }}')).toBe('=a {{ ($json).x ?? ($json).y }} {{ 1 }}');
});

test('with every form as a property, the events carry the values n8n gives', async () => {
	const { bodies, output } = await run(cases[0][1](identity));
	// Only the items holding 1e21 and 2^53+2 fail: whole numbers Lago cannot receive exactly.
	expect(output.filter((o) => !o.stored).map((o) => o.pairedItem)).toEqual([{ item: 24 }, { item: 25 }]);
	const events = bodies.flatMap((body) => (JSON.parse(body) as { events: Array<{ transaction_id: string; properties: Record<string, unknown> }> }).events);
	const property = (id: string, form: string) => events.find((e) => e.transaction_id === id)?.properties[`p${fastForms.indexOf(form)}`];
	expect(property('fp-0', '={{ $json.v }}')).toBe('sub_demo_1');
	expect(property('fp-21', '={{ $json.v }}')).toBe(0);
	expect(property('fp-23', '=order-{{ $json.v }}')).toBe('order-1.5');
	expect(property('fp-29', "={{ $json.v ?? 'x' }}")).toBe('x');
	expect(property('fp-30', '={{ $json.v }}/{{ $json.num }}/{{ $json.n }}/{{ $json.nope }}')).toBe('/7//');
	expect(property('fp-27', "={{ { gb: $json.v, region: 'eu', n: 1, ok: true, none: null } }}")).toEqual({ gb: true, region: 'eu', n: 1, ok: true, none: null });
});
