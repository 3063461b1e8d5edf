import type { IDataObject, ILoadOptionsFunctions } from 'n8n-workflow';

import type { LagoOperation } from '../../shared/errors';
import { lagoRequest } from '../../shared/transport';

const PER_PAGE = 50;
/** A picker waits on the user: a short retry, never the run's long one. */
const PICKER_RETRY = { maxAttempts: 3, maxRetryTimeMs: 10_000, initialDelayMs: 300 };

/** One page of a Lago list for a From List picker: its rows and n8n's token for the next page, if Lago has one. */
export interface PickerPage {
	rows: IDataObject[];
	paginationToken?: string;
}

/**
 * Reads page `paginationToken` (n8n's token, the page number as text; the first page without one) of the list at
 * `path`, whose rows Lago answers under `key`, 50 a page.
 */
export async function readPickerPage(
	this: ILoadOptionsFunctions,
	request: { path: string; key: string; operation: LagoOperation; qs?: IDataObject; externalCustomerId?: string },
	paginationToken?: string,
): Promise<PickerPage> {
	const page = Number(paginationToken) > 0 ? Number(paginationToken) : 1;
	const qs: IDataObject = { page, per_page: PER_PAGE, ...request.qs };
	const body = await lagoRequest.call(this, { method: 'GET', path: request.path, qs }, { operation: request.operation, externalCustomerId: request.externalCustomerId }, PICKER_RETRY);
	const rows = body[request.key];
	const nextPage = (body.meta as IDataObject | undefined)?.next_page;
	return { rows: Array.isArray(rows) ? (rows as IDataObject[]) : [], paginationToken: typeof nextPage === 'number' ? String(nextPage) : undefined };
}

/** Whether any of the row's `fields` holds `needle` (already lower-cased), ignoring case; an empty needle matches. */
export function rowMatches(row: IDataObject, fields: string[], needle: string): boolean {
	return !needle || fields.some((field) => typeof row[field] === 'string' && (row[field] as string).toLowerCase().includes(needle));
}
