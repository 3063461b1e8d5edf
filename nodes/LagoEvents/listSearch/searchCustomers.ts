import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readPickerPage, rowMatches } from './listPage';

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
	const needle = filter?.trim() ?? '';
	const { rows, paginationToken: next } = await readPickerPage.call(
		this,
		{ path: '/customers', key: 'customers', operation: 'listCustomers', qs: needle ? { search_term: needle } : undefined },
		paginationToken,
	);
	const lower = needle.toLowerCase();
	return {
		results: rows
			.filter((c) => rowMatches(c, ['external_id', 'name', 'firstname', 'lastname', 'email'], lower))
			.map((c) => ({ name: label(c), value: String(c.external_id), description: typeof c.email === 'string' && c.email ? c.email : undefined })),
		paginationToken: next,
	};
}
