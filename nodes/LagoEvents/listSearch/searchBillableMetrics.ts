import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readPickerPage } from './listPage';

/** The billable metric picker: one page of GET /billable_metrics at a time, searched by Lago on name and code. */
export async function searchBillableMetrics(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const search = filter?.trim();
	const { rows, paginationToken: next } = await readPickerPage.call(
		this,
		{ path: '/billable_metrics', key: 'billable_metrics', operation: 'listMetrics', qs: search ? { search_term: search } : undefined },
		paginationToken,
	);
	return {
		results: rows.map((metric) => ({
			name: `${String(metric.name ?? metric.code)} (${String(metric.code)})`,
			value: String(metric.code),
			description: typeof metric.description === 'string' ? metric.description : undefined,
		})),
		paginationToken: next,
	};
}
