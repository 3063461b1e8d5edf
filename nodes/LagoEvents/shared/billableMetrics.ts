import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { asErrorBody, errorItem, itemError } from '../../shared/errors';
import { responseError, sendToLago } from '../../shared/transport';
import type { RetryPolicy } from '../../shared/transport';
import type { LagoEventInput } from './event';
import { MetricIndex, describeProblems, parseCheckMode } from './metricCheck';
import type { BillableMetric, CheckMode, MetricProblem } from './metricCheck';

/** Lago's default page size; every page is read once, so a run costs ceil(metrics / 100) requests. */
export const METRICS_PER_PAGE = 100;
/** A server that keeps announcing a next page cannot hold the run: 1,000 pages is 100,000 metrics. */
const MAX_METRIC_PAGES = 1000;

export const checkBillableMetricsOption: INodeProperties = {
	displayName: 'Check Against Billable Metrics',
	name: 'checkBillableMetrics',
	type: 'options',
	options: [
		{
			name: "Don't Send",
			value: 'dontSend',
			description:
				'An event Lago would accept but never bill (unknown code, missing or non-numeric property, filter value the metric does not know) is not sent and becomes an error naming the item, the rule and the fix',
		},
		{
			name: 'Send and Flag',
			value: 'sendAndFlag',
			description:
				'Send every event; the output item of an event Lago would not bill carries events_errors. Choose this if you create metrics after sending: Lago counts events with a new code once the metric exists.',
		},
		{
			name: "Don't Check",
			value: 'dontCheck',
			description: 'Send without reading the billable metrics',
		},
	],
	default: 'dontSend',
	description:
		"Before sending, the node reads your billable metrics once per run and applies the rules of Lago's events.errors report. Lago answers 200 to events it cannot bill and reports them an hour later at best.",
};

export type MetricRead =
	| { outcome: 'read'; index: MetricIndex; requests: number }
	/** The key may not read metrics (403): sent unchecked whatever the mode. */
	| { outcome: 'forbidden'; reason: string; requests: number }
	/** Lago did not answer (network, 5xx, 429) after the retries: the mode decides. */
	| { outcome: 'unreachable'; error: Error & { description?: string | null }; requests: number }
	/** 401, 404 and the like: sending would fail as well. */
	| { outcome: 'failed'; error: Error & { description?: string | null }; requests: number };

/** Reads every page of GET /billable_metrics, one after another, with the run's retry policy. */
export async function readBillableMetrics(ctx: IExecuteFunctions, policy: RetryPolicy): Promise<MetricRead> {
	const metrics: BillableMetric[] = [];
	let requests = 0;
	for (let page = 1; page <= MAX_METRIC_PAGES; ) {
		let response;
		try {
			requests++;
			response = await sendToLago.call(ctx, { method: 'GET', path: '/billable_metrics', qs: { page, per_page: METRICS_PER_PAGE } }, policy);
		} catch (error) {
			// The transport throws only for a bad credential or a network failure that outlasted the retries.
			// A network failure is a NodeApiError carrying the network code (or 'none'); a bad credential has none.
			const e = error as Error & { httpCode?: string | null };
			const network = typeof e.httpCode === 'string' && e.httpCode !== '';
			return network ? { outcome: 'unreachable', error: e, requests } : { outcome: 'failed', error: e, requests };
		}
		const node = ctx.getNode();
		if (response.status === 403) {
			const code = asErrorBody(response.body)?.code ?? 'Forbidden';
			return { outcome: 'forbidden', reason: `403 ${code}`, requests };
		}
		if (response.status < 200 || response.status >= 300) {
			const error = responseError(node, response, { operation: 'listMetrics' });
			const lasting = response.status === 429 || response.status >= 500;
			return lasting ? { outcome: 'unreachable', error, requests } : { outcome: 'failed', error, requests };
		}
		const body = (asErrorBody(response.body) ?? {}) as IDataObject;
		const list = body.billable_metrics;
		if (!Array.isArray(list)) {
			return { outcome: 'failed', error: itemError(node, 'Lago answered GET /billable_metrics without a billable_metrics list', undefined, 'Check that the Base URL in the Lago API credential points at Lago\'s API.'), requests };
		}
		metrics.push(...(list as BillableMetric[]));
		const next = (body.meta as IDataObject | undefined)?.next_page;
		if (typeof next !== 'number' || next <= page || list.length === 0) break;
		page = next;
	}
	return { outcome: 'read', index: new MetricIndex(metrics), requests };
}

export interface CheckResult {
	/** Items not sent: their error items (Continue On Fail), keyed by item index. */
	blocked: Map<number, INodeExecutionData>;
	/** Send and Flag: the problems to attach to the item's output. */
	flagged: Map<number, readonly MetricProblem[]>;
}

const unchecked = (why: string) =>
	`Events were sent without the billable-metric check: ${why}. Lago may have accepted events it will not bill; its events.errors webhook (Lago Trigger) reports them.`;

/**
 * Checks the prepared events of one run. Throws (naming the item) when an event must not be sent and Continue On
 * Fail is off, before anything has been sent.
 */
export async function checkEvents(ctx: IExecuteFunctions, modeValue: unknown, policy: RetryPolicy, events: Array<{ itemIndex: number; event: LagoEventInput }>): Promise<CheckResult> {
	const result: CheckResult = { blocked: new Map(), flagged: new Map() };
	const node = ctx.getNode();
	let mode: CheckMode;
	try {
		mode = parseCheckMode(modeValue);
	} catch (error) {
		throw itemError(node, (error as Error).message, undefined, "Choose Don't Send, Send and Flag or Don't Check.");
	}
	if (mode === 'dontCheck' || events.length === 0) return result;

	const read = await readBillableMetrics(ctx, policy);
	if (read.outcome === 'forbidden') {
		notice(ctx, unchecked(`the API key may not read billable metrics (${read.reason}); give it read access to Billable metrics in Lago › Developers › API keys, or set the option to "Don't Check"`));
		return result;
	}
	if (read.outcome === 'unreachable' && mode === 'sendAndFlag') {
		notice(ctx, unchecked(`Lago's billable metrics could not be read (${read.error.message})`));
		return result;
	}
	if (read.outcome !== 'read') {
		const why = read.outcome === 'unreachable'
			? "Lago's billable metrics could not be read, so the events were not checked and not sent. Run again once Lago answers; to send unchecked when the metrics cannot be read, set Options › Check Against Billable Metrics to \"Send and Flag\"."
			: 'The events were not sent.';
		for (const { itemIndex, event } of events) {
			const error = itemError(node, read.error.message.replace(/ \[item \d+\]$/, ''), itemIndex, [read.error.description, why].filter(Boolean).join('\n'));
			Object.assign(error, { httpCode: (read.error as { httpCode?: string }).httpCode });
			if (!ctx.continueOnFail()) throw error;
			result.blocked.set(itemIndex, errorItem(node, error, itemIndex, { transaction_id: event.transaction_id }));
		}
		return result;
	}

	for (const { itemIndex, event } of events) {
		const problems = read.index.check(event);
		if (problems.length === 0) continue;
		if (mode === 'sendAndFlag') {
			result.flagged.set(itemIndex, problems);
			continue;
		}
		const { message, fix } = describeProblems(problems);
		const error = itemError(node, message, itemIndex, `${fix}\nNothing was sent to Lago for this item.`);
		if (!ctx.continueOnFail()) throw error;
		result.blocked.set(itemIndex, errorItem(node, error, itemIndex, { transaction_id: event.transaction_id, events_errors: problems.map((p) => ({ ...p })) }));
	}
	return result;
}

/** Said once per run: an execution hint where n8n has them, and the log. */
function notice(ctx: IExecuteFunctions, message: string): void {
	ctx.logger?.warn?.(message);
	if (typeof ctx.addExecutionHints === 'function') ctx.addExecutionHints({ message, type: 'warning', location: 'outputPane' });
}

/** Send and Flag: the problems ride on the item's output, as `events_errors` (the categories of Lago's webhook). */
export function attachFlags(item: INodeExecutionData, problems: readonly MetricProblem[] | undefined): INodeExecutionData {
	if (!problems) return item;
	return { ...item, json: { ...item.json, events_errors: problems.map((p) => ({ ...p })) } };
}
