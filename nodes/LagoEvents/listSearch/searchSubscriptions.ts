import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readPickerPage, rowMatches } from './listPage';

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
	const customer = pickerCustomer(this.getCurrentNodeParameter('externalCustomerId'));
	const { rows, paginationToken: next } = await readPickerPage.call(
		this,
		{ path: '/subscriptions', key: 'subscriptions', operation: 'listSubscriptions', qs: customer ? { external_customer_id: customer } : undefined, externalCustomerId: customer },
		paginationToken,
	);
	const needle = filter?.trim().toLowerCase() ?? '';
	return {
		results: rows
			.filter((s) => rowMatches(s, ['external_id', 'name', 'plan_code', 'external_customer_id'], needle))
			.map((s) => {
				const label = typeof s.name === 'string' && s.name.trim() !== '' ? `${s.name} (${String(s.external_id)})` : String(s.external_id);
				return {
					name: customer ? `${label}, plan ${String(s.plan_code)}` : `${label}, plan ${String(s.plan_code)}, customer ${String(s.external_customer_id)}`,
					value: String(s.external_id),
					description: typeof s.status === 'string' ? `Status: ${s.status}` : undefined,
				};
			}),
		paginationToken: next,
	};
}
