import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { lagoRequest } from '../../shared/transport';

const PER_PAGE = 50;

/** The billable metric picker: one page of GET /billable_metrics at a time, searched by Lago on name and code. */
export async function searchBillableMetrics(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const page = Number(paginationToken) > 0 ? Number(paginationToken) : 1;
	const qs: IDataObject = { page, per_page: PER_PAGE };
	if (filter?.trim()) qs.search_term = filter.trim();
	const body = await lagoRequest.call(this, { method: 'GET', path: '/billable_metrics', qs }, { operation: 'listMetrics' }, { maxAttempts: 3, maxRetryTimeMs: 10_000, initialDelayMs: 300 });
	const metrics = Array.isArray(body.billable_metrics) ? (body.billable_metrics as IDataObject[]) : [];
	const nextPage = (body.meta as IDataObject | undefined)?.next_page;
	return {
		results: metrics.map((metric) => ({
			name: `${String(metric.name ?? metric.code)} (${String(metric.code)})`,
			value: String(metric.code),
			description: typeof metric.description === 'string' ? metric.description : undefined,
		})),
		paginationToken: typeof nextPage === 'number' ? String(nextPage) : undefined,
	};
}
