import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { lagoRequest } from '../../shared/transport';

const PER_PAGE = 50;

/** A customer as the picker shows it: the name when Lago has one, always the external ID the node sends. */
function label(customer: IDataObject): string {
	const person = [customer.firstname, customer.lastname].filter((v) => typeof v === 'string' && v.trim() !== '').join(' ');
	const name = typeof customer.name === 'string' && customer.name.trim() !== '' ? customer.name : person;
	return name ? `${name} (${String(customer.external_id)})` : String(customer.external_id);
}

/**
 * The customer picker: one page of GET /customers at a time, searched by Lago (`search_term`: name, external ID,
 * email). The page is also narrowed here, so a Lago that ignores the term still shows only matching customers.
 */
export async function searchCustomers(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const page = Number(paginationToken) > 0 ? Number(paginationToken) : 1;
	const qs: IDataObject = { page, per_page: PER_PAGE };
	const needle = filter?.trim() ?? '';
	if (needle) qs.search_term = needle;
	const body = await lagoRequest.call(this, { method: 'GET', path: '/customers', qs }, { operation: 'listCustomers' }, { maxAttempts: 3, maxRetryTimeMs: 10_000, initialDelayMs: 300 });
	const customers = Array.isArray(body.customers) ? (body.customers as IDataObject[]) : [];
	const lower = needle.toLowerCase();
	const nextPage = (body.meta as IDataObject | undefined)?.next_page;
	return {
		results: customers
			.filter((c) => !lower || [c.external_id, c.name, c.firstname, c.lastname, c.email].some((v) => typeof v === 'string' && v.toLowerCase().includes(lower)))
			.map((c) => ({ name: label(c), value: String(c.external_id), description: typeof c.email === 'string' && c.email ? c.email : undefined })),
		paginationToken: typeof nextPage === 'number' ? String(nextPage) : undefined,
	};
}
