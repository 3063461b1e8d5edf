import { searchBillableMetrics } from '../../nodes/LagoEvents/listSearch/searchBillableMetrics';
import { loadOptionsContext, runNode, sandboxCredentials, useSandbox } from '../helpers/harness';

const sandbox = useSandbox('picker-key');

const credentials = () => (sandboxCredentials(sandbox()));

describe('billable metric picker', () => {
	test('lists name and code, page by page, until Lago has no next page', async () => {
		const context = loadOptionsContext(credentials());
		const first = await searchBillableMetrics.call(context);
		expect(first.results.length).toBeGreaterThan(0);
		expect(first.results[0]).toEqual({ name: 'API Calls (api_calls)', value: 'api_calls', description: 'Requests made to the public API' });
		const request = sandbox().requests[0];
		expect(request.path).toBe('/api/v1/billable_metrics');
		expect(request.query).toEqual({ page: '1', per_page: '50' });
		expect(request.headers.authorization).toBe('Bearer picker-key');
		expect(first.paginationToken).toBeUndefined();
	});

	test('search is done by Lago and pagination follows meta.next_page', async () => {
		const context = loadOptionsContext(credentials());
		const found = await searchBillableMetrics.call(context, ' gb ');
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '50', search_term: 'gb' });
		expect(found.results.map((r) => r.value)).toEqual(expect.arrayContaining(['storage_gb', 'bandwidth_gb', 'peak_memory_gb']));
		expect(found.results.every((r) => /gb/i.test(String(r.name)))).toBe(true);
		const second = await searchBillableMetrics.call(context, '', '2');
		expect(sandbox().requests[1].query).toMatchObject({ page: '2' });
		expect(second.results).toEqual([]);
	});

	test('a wrong key in the picker gives the credential message', async () => {
		const context = loadOptionsContext({ ...credentials(), apiKey: 'wrong' });
		await expect(searchBillableMetrics.call(context)).rejects.toThrow('Lago rejected the API key (401 Unauthorized)');
	});

	test.each([
		['picked from the list', { __rl: true, mode: 'list', value: 'storage_gb', cachedResultName: 'Storage (GB) (storage_gb)' }],
		['typed by code', { __rl: true, mode: 'id', value: 'storage_gb' }],
		['mapped with an expression', { __rl: true, mode: 'id', value: '={{ $json.metric }}' }],
		['a plain string (older workflows, the HTTP contract)', 'storage_gb'],
	])('the node sends the code when the metric is %s', async (_name, code) => {
		const result = await runNode({
			parameters: { operation: 'create', externalSubscriptionId: 'sub_demo_1', code, transactionId: 'm1', timestamp: '1700000000', properties: { property: [{ key: 'gb', value: '1' }] } } as never,
			items: [{ metric: 'storage_gb' }],
			credentials: credentials(),
		});
		expect(result.error).toBeUndefined();
		const sent = sandbox().requests.filter((r) => r.method === 'POST');
		expect(sent).toHaveLength(1);
		expect((sent[0].body as { event: { code: string } }).event.code).toBe('storage_gb');
	});
});
