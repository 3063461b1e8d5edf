import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';

/**
 * The bad-input catalogue: every case is refused before sending, with an error that names the item and the field,
 * and no request to Lago carries the bad event. Each case runs two items: item 0 is good, item 1 is bad.
 */

const sandbox = useSandbox('lago_catalogue_key');

type Operation = 'create' | 'createBatch' | 'estimateFees' | 'get';
interface Case {
	operation: Operation;
	/** Parameters; `={{ $json.v }}` picks the bad value from item 1. */
	parameters: Record<string, unknown>;
	bad: unknown;
	message: RegExp;
}

const good = { create: 'sub_demo_1', createBatch: 'sub_demo_1', estimateFees: 'sub_demo_1', get: 'good-id' };
// api_calls counts events, so the good item is billable as it is and passes the billable-metric check.
const event = (extra: Record<string, unknown>) => ({ externalSubscriptionId: '={{ $json.sub }}', code: 'api_calls', transactionId: '={{ $json.id }}', timestamp: '1700000000', ...extra });

const cases: Array<[string, Case]> = [];
const add = (name: string, c: Case) => cases.push([name, c]);

for (const operation of ['create', 'createBatch'] as const) {
	const ts = (name: string, bad: unknown, message: RegExp) => add(`${operation}: timestamp ${name}`, { operation, parameters: event({ timestamp: '={{ $json.v ?? 1700000000 }}' }), bad, message });
	ts('"yesterday"', 'yesterday', /^Timestamp "yesterday" is not a date Lago can use \[item 1\]$/);
	ts('""', '', /^Timestamp is empty \[item 1\]$/);
	ts('"NaN"', 'NaN', /^Timestamp "NaN" is not a date/);
	ts('"1e400"', '1e400', /^Timestamp "1e400" is not a date/);
	// A date without a zone is read in the workflow's time zone (test/operations/pickersAndDates.test.ts); an impossible
	// one is still refused.
	ts('ISO without a zone, hour 25', '2026-11-01T25:00:00', /^Timestamp "2026-11-01T25:00:00" is not a date Lago can use \[item 1\]$/);
	ts('date only, day 31 of a 30-day month', '2026-11-31', /^Timestamp "2026-11-31" is not a date Lago can use \[item 1\]$/);
	ts('0', 0, /^Timestamp 0 is 1970-01-01T00:00:00.000Z, outside 2000-2099 \[item 1\]$/);
	ts('negative', -5, /^Timestamp -5 is not a date/);
	ts('16 digits', 1700000000123456, /is not a date Lago can use \[item 1\]$/);
	ts('impossible day', '2026-02-30T10:00:00Z', /is not a date Lago can use \[item 1\]$/);
	ts('a boolean', true, /^Timestamp true is not a date/);
}
const props = (operation: Operation, name: string, parameters: Record<string, unknown>, bad: unknown, message: RegExp) =>
	add(`${operation}: properties ${name}`, { operation, parameters: operation === 'estimateFees' ? { externalSubscriptionId: '={{ $json.sub }}', code: 'storage_gb', ...parameters } : event(parameters), bad, message });
for (const operation of ['create', 'createBatch', 'estimateFees'] as const) {
	props(operation, 'JSON array', { propertiesInput: 'json', propertiesJson: '={{ $json.v ?? "{}" }}' }, '[1,2]', /^Properties \(JSON\) must be a JSON object, got an array \[item 1\]$/);
	props(operation, 'JSON null', { propertiesInput: 'json', propertiesJson: '={{ $json.v ?? "{}" }}' }, 'null', /^Properties \(JSON\) must be a JSON object, got null \[item 1\]$/);
}
props('create', 'invalid JSON', { propertiesInput: 'json', propertiesJson: '={{ $json.v ?? "{}" }}' }, '{gb: 1}', /^Properties \(JSON\) is not valid JSON/);
props('create', 'integer above 2^53 in JSON', { propertiesInput: 'json', propertiesJson: '={{ $json.v ?? "{}" }}' }, '{"id": 123456789012345678901}', /above 2\^53 .*\[item 1\]$/);
props('createBatch', 'empty key', { properties: { property: [{ key: '={{ $json.v ?? "gb" }}', value: '1' }] } }, '', /^Property row 1 has an empty key \[item 1\]$/);
props('createBatch', 'duplicated key', { properties: { property: [{ key: 'gb', value: '1' }, { key: '={{ $json.v ?? "other" }}', value: '2' }] } }, 'gb', /^Property "gb" is set twice \[item 1\]$/);
props('create', 'number above 2^53', { properties: { property: [{ key: 'n', value: '={{ $json.v ?? 1 }}' }] } }, 2 ** 60, /^Property n is \d+, a whole number above 2\^53/);

const id = (operation: Operation, name: string, field: string, bad: unknown, message: RegExp) => {
	const parameters =
		operation === 'get'
			? { transactionId: '={{ $json.v === undefined ? "good-id" : $json.v }}' }
			: operation === 'estimateFees'
				? { externalSubscriptionId: '={{ $json.sub }}', code: 'storage_gb', [field]: `={{ $json.v === undefined ? "${field === 'code' ? 'storage_gb' : 'sub_demo_1'}" : $json.v }}` }
				: event({ [field]: `={{ $json.v === undefined ? ${field === 'transactionId' ? '$json.id' : field === 'code' ? '"api_calls"' : '$json.sub'} : $json.v }}` });
	add(`${operation}: ${name}`, { operation, parameters, bad, message });
};
id('create', 'empty subscription', 'externalSubscriptionId', '', /^External Subscription ID is empty \[item 1\]$/);
id('createBatch', 'subscription of spaces', 'externalSubscriptionId', '   ', /^External Subscription ID is empty \[item 1\]$/);
id('createBatch', 'subscription with a trailing space', 'externalSubscriptionId', 'sub_demo_1 ', /^External Subscription ID "sub_demo_1 " has leading or trailing spaces \[item 1\]$/);
id('create', 'empty code', 'code', '', /^Billable Metric Code is empty \[item 1\]$/);
id('estimateFees', 'empty code', 'code', '', /^Billable Metric Code is empty \[item 1\]$/);
id('estimateFees', 'empty subscription', 'externalSubscriptionId', '', /^External Subscription ID is empty \[item 1\]$/);
id('create', 'transaction id over 255 characters', 'transactionId', 'x'.repeat(256), /^Transaction ID is 256 characters long; Lago accepts at most 255 \[item 1\]$/);
id('createBatch', 'transaction id of spaces', 'transactionId', '    ', /^Transaction ID is empty \[item 1\]$/);
id('createBatch', 'transaction id that is an object', 'transactionId', { a: 1 }, /^Transaction ID must be text, got an object \[item 1\]$/);
id('get', 'empty transaction id', 'transactionId', '', /^Transaction ID is empty \[item 1\]$/);
id('get', 'transaction id over 255 characters', 'transactionId', 'y'.repeat(300), /300 characters long; Lago accepts at most 255 \[item 1\]$/);
add('create: precise total amount that is not a number', { operation: 'create', parameters: event({ additionalFields: { preciseTotalAmountCents: '={{ $json.v ?? "1.5" }}' } }), bad: 'asdfa', message: /^Precise Total Amount Cents "asdfa" is not a decimal number \[item 1\]$/ });
add('createBatch: precise total amount with a comma', { operation: 'createBatch', parameters: event({ additionalFields: { preciseTotalAmountCents: '={{ $json.v ?? "1.5" }}' } }), bad: '12,5', message: /^Precise Total Amount Cents "12,5" is not a decimal number \[item 1\]$/ });

const items = (operation: Operation, bad: unknown) => [
	{ sub: good[operation] === 'good-id' ? 'sub_demo_1' : good[operation], id: 'good-0' },
	{ sub: 'sub_demo_1', id: 'BAD-EVENT-1', v: bad },
];

describe('bad input catalogue', () => {
	test('has at least 40 item-level cases', () => {
		expect(cases.length).toBeGreaterThanOrEqual(40);
	});

	test.each(cases)('%s', async (_name, c) => {
		if (c.operation === 'get') sandbox().seedEvents([{ transaction_id: 'good-id', external_subscription_id: 'sub_demo_1', code: 'storage_gb' }]);
		const result = await runNode({
			parameters: { operation: c.operation, ...c.parameters } as never,
			items: items(c.operation, c.bad) as never,
			credentials: sandboxCredentials(sandbox()),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.json).toHaveLength(2);
		expect(result.json[0].error).toBeUndefined();
		expect(result.json[1].error).toMatch(c.message);
		expect(result.json[1].description).toMatch(/Nothing was sent to Lago for this item\./);
		expect(result.items[1].pairedItem).toEqual({ item: 1 });
		// The good item went out, the bad one never did.
		expect(sandbox().requests.length).toBeGreaterThan(0);
		for (const request of sandbox().requests) {
			expect(request.rawBody).not.toContain('BAD-EVENT-1');
			expect(request.path).not.toContain('BAD');
		}
		if (c.operation === 'get') expect(sandbox().requests).toHaveLength(1);

		// Without Continue On Fail the node stops before its first request.
		sandbox().reset();
		const strict = await runNode({
			parameters: { operation: c.operation, ...c.parameters } as never,
			items: items(c.operation, c.bad) as never,
			credentials: sandboxCredentials(sandbox()),
		});
		expect(strict.error?.message).toMatch(c.message);
		expect(sandbox().requests).toHaveLength(0);
	});
});

describe('node and credential settings', () => {
	test.each([
		['batch size 0', { options: { batchSize: 0 } }, /^Batch Size must be a whole number from 1 to 100, got 0$/],
		['batch size 101', { options: { batchSize: 101 } }, /^Batch Size must be a whole number from 1 to 100, got 101$/],
		['parallel requests 5', { options: { parallelRequests: 5 } }, /^Parallel Requests must be a whole number from 1 to 4, got 5$/],
	])('%s', async (_name, parameters, message) => {
		const result = await runNode({ parameters: { operation: 'createBatch', ...event({}), ...parameters } as never, items: items('createBatch', 1) as never, credentials: sandboxCredentials(sandbox()), continueOnFail: true });
		expect(result.error?.message).toMatch(message);
		expect(sandbox().requests).toHaveLength(0);
	});

	const credentialCases: Array<[string, Record<string, string>, RegExp]> = [
		['base URL ftp://x', { baseUrl: 'ftp://x' }, /^The Base URL "ftp:\/\/x" in the Lago API credential must start with http:\/\/ or https:\/\/\. \[item 0\]$/],
		['base URL "not a url"', { baseUrl: 'not a url' }, /^The Base URL "not a url" in the Lago API credential is not a URL/],
		['base URL with a query string', { baseUrl: 'http://127.0.0.1:1/?x=1' }, /must not contain a query string/],
		['base URL with a fragment', { baseUrl: 'http://127.0.0.1:1/#x' }, /must not contain a query string or a #fragment/],
		['empty base URL', { baseUrl: '' }, /^The Base URL in the Lago API credential is empty/],
		['empty API key', { apiKey: '' }, /^The API Key in the Lago API credential is empty/],
		['API key with a newline', { apiKey: 'lago_catalogue_key\n' }, /^The API Key in the Lago API credential contains a space or a line break/],
	];
	test.each(credentialCases)('credential %s fails every operation before any request', async (_name, override, message) => {
		for (const operation of ['create', 'createBatch', 'estimateFees', 'get'] as const) {
			const parameters = operation === 'get' ? { transactionId: 'x' } : operation === 'estimateFees' ? { externalSubscriptionId: 'sub_demo_1', code: 'api_calls' } : event({});
			const result = await runNode({
				parameters: { operation, ...parameters } as never,
				items: items(operation, undefined) as never,
				credentials: { ...sandboxCredentials(sandbox()), ...override },
			});
			expect(result.error?.message).toMatch(message);
			expect(result.error?.message).not.toContain('lago_catalogue_key');
		}
		expect(sandbox().requests).toHaveLength(0);
	});
});
