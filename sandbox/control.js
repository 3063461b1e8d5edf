'use strict';

const http = require('./http');
const { handleWebhookControl } = require('./webhooks');

/**
 * /_sandbox/* routes for out-of-process users (real n8n runs, demos).
 * No auth, never faulted, never recorded as traffic.
 *
 * @typedef {import('./http').Reply} Reply
 * @typedef {import('./state').SandboxState} SandboxState
 */

/** @param {unknown} err @returns {Reply} */
function badInput(err) {
	return { status: 400, body: { status: 400, error: 'Bad Request', message: String(/** @type {Error} */ (err).message) } };
}

/**
 * @param {string} method
 * @param {string} name path below /_sandbox/
 * @param {() => unknown} readJson throws SyntaxError on a malformed body
 * @param {SandboxState} state
 * @returns {Reply | Promise<Reply>}
 */
function handleControl(method, name, readJson, state) {
	const key = `${method === 'HEAD' ? 'GET' : method} ${name}`;
	try {
		if (name.startsWith('webhooks/')) {
			const reply = handleWebhookControl(key.replace(' webhooks/', ' '), readJson, state.webhooks, () => state.store.events);
			return reply ? Promise.resolve(reply).catch(badInput) : http.notFound('resource_not_found');
		}
		switch (key) {
			case 'GET requests':
				return { status: 200, body: state.requests };
			case 'GET events':
				return { status: 200, body: state.store.events };
			case 'GET stats':
				return { status: 200, body: state.stats() };
			case 'POST reset':
				state.reset();
				return { status: 200, body: { ok: true } };
			case 'POST faults':
				return { status: 200, body: { faults: state.setFaults(/** @type {any} */ (readJson()) || null) } };
			case 'POST reject': {
				const body = /** @type {{ transactionIds?: string[] }} */ (readJson() || {});
				return { status: 200, body: { transactionIds: state.setRejectTransactionIds(body.transactionIds || []) } };
			}
			case 'POST seed':
				return { status: 200, body: { events: state.seedEvents(/** @type {unknown[]} */ (readJson())) } };
			case 'POST rate-limits': {
				const body = /** @type {{ enforce?: boolean }} */ (readJson() || {});
				return { status: 200, body: { enforce: state.setRateLimits(body.enforce) } };
			}
			case 'GET billable-metrics':
				return { status: 200, body: state.metrics.metrics };
			case 'POST billable-metrics':
				return { status: 200, body: { billable_metrics: state.setBillableMetrics(/** @type {object[] | null} */ (readJson() ?? null)) } };
			case 'POST batch-max': {
				const body = /** @type {{ batchMaxLength?: number }} */ (readJson() || {});
				return { status: 200, body: { batchMaxLength: state.setBatchMaxLength(body.batchMaxLength) } };
			}
			default:
				return http.notFound('resource_not_found');
		}
	} catch (err) {
		return badInput(err);
	}
}

module.exports = { handleControl };
