import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { lagoRequest } from '../../shared/transport';

const PER_PAGE = 50;

/**
 * The customer the picker lists subscriptions for, when the editor can know it (not an expression): the text of a
 * workflow saved before External Customer ID was a picker, or the picker's value.
 */
export function pickerCustomer(value: unknown): string | undefined {
	if (value && typeof value === 'object' && 'value' in value) return pickerCustomer((value as { value: unknown }).value);
	if (typeof value !== 'string') return undefined;
	const text = value.trim();
	return text === '' || text.startsWith('=') ? undefined : text;
}

/**
 * The subscription picker: the active subscriptions of the customer in External Customer ID (GET /subscriptions, which
 * answers active ones unless asked otherwise), one page at a time. Lago has no text search on subscriptions, so the
 * filter narrows the page on external ID and plan code.
 */
export async function searchSubscriptions(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const page = Number(paginationToken) > 0 ? Number(paginationToken) : 1;
	const qs: IDataObject = { page, per_page: PER_PAGE };
	const customer = pickerCustomer(this.getCurrentNodeParameter('externalCustomerId'));
	if (customer) qs.external_customer_id = customer;
	const body = await lagoRequest.call(this, { method: 'GET', path: '/subscriptions', qs }, { operation: 'listSubscriptions', externalCustomerId: customer }, { maxAttempts: 3, maxRetryTimeMs: 10_000, initialDelayMs: 300 });
	const subscriptions = Array.isArray(body.subscriptions) ? (body.subscriptions as IDataObject[]) : [];
	const needle = filter?.trim().toLowerCase() ?? '';
	const nextPage = (body.meta as IDataObject | undefined)?.next_page;
	return {
		results: subscriptions
			.filter((s) => !needle || [s.external_id, s.name, s.plan_code, s.external_customer_id].some((v) => typeof v === 'string' && v.toLowerCase().includes(needle)))
			.map((s) => {
				const label = typeof s.name === 'string' && s.name.trim() !== '' ? `${s.name} (${String(s.external_id)})` : String(s.external_id);
				return {
					name: customer ? `${label}, plan ${String(s.plan_code)}` : `${label}, plan ${String(s.plan_code)}, customer ${String(s.external_customer_id)}`,
					value: String(s.external_id),
					description: typeof s.status === 'string' ? `Status: ${s.status}` : undefined,
				};
			}),
		paginationToken: typeof nextPage === 'number' ? String(nextPage) : undefined,
	};
}
