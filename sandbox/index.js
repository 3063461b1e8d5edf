'use strict';

const { SandboxState } = require('./state');
const { createServer } = require('./server');

/**
 * A local stand-in for Lago's Events API (see README.md in this folder).
 *
 * @typedef {import('./faults').FaultOptions} FaultOptions
 * @typedef {import('./state').RequestRecord} RequestRecord
 * @typedef {import('./store').StoredEvent} StoredEvent
 * @typedef {{ port?: number, host?: string, apiKey?: string, batchMaxLength?: number,
 *   faults?: FaultOptions | null, rejectTransactionIds?: string[], webhookHmacKey?: string, enforceRateLimits?: boolean,
 *   billableMetrics?: object[] }} SandboxOptions
 * @typedef {{
 *   url: string, apiUrl: string, apiKey: string, port: number,
 *   readonly requests: RequestRecord[], readonly events: StoredEvent[],
 *   stats: () => ReturnType<SandboxState['stats']>, reset: () => void,
 *   snapshot: () => ReturnType<SandboxState['snapshot']>, restore: (snap: ReturnType<SandboxState['snapshot']>) => void,
 *   seedEvents: (events: object[]) => StoredEvent[], setFaults: (faults: FaultOptions | null) => void,
 *   setRejectTransactionIds: (ids: string[]) => void, setBatchMaxLength: (n: number) => void,
 *   setRateLimits: (enforce: boolean) => void,
 *   setBillableMetrics: (metrics: object[] | null) => void, readonly billableMetrics: import('./metrics').Metric[],
 *   webhooks: import('./webhooks').WebhookCenter,
 *   stop: () => Promise<void> }} Sandbox
 */

/**
 * @param {SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function startSandbox(options = {}) {
	const state = new SandboxState(options);
	const server = createServer(state);
	const host = options.host || '127.0.0.1';

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port === undefined ? 0 : options.port, host, () => {
			server.off('error', reject);
			resolve(undefined);
		});
	});

	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	const url = `http://${urlHost}:${address.port}`;
	let stopped = false;

	return {
		url,
		apiUrl: `${url}/api/v1`,
		apiKey: state.apiKey,
		port: address.port,
		get requests() {
			return state.requests;
		},
		get events() {
			return state.store.events;
		},
		stats: () => state.stats(),
		reset: () => state.reset(),
		snapshot: () => state.snapshot(),
		restore: (snap) => state.restore(snap),
		seedEvents: (events) => state.seedEvents(events),
		setFaults: (faults) => {
			state.setFaults(faults);
		},
		setRejectTransactionIds: (ids) => {
			state.setRejectTransactionIds(ids);
		},
		setBatchMaxLength: (n) => {
			state.setBatchMaxLength(n);
		},
		setRateLimits: (enforce) => {
			state.setRateLimits(enforce);
		},
		setBillableMetrics: (metrics) => {
			state.setBillableMetrics(metrics);
		},
		get billableMetrics() {
			return state.metrics.metrics;
		},
		webhooks: state.webhooks,
		stop: () => {
			if (stopped) return Promise.resolve();
			stopped = true;
			return new Promise((resolve) => {
				server.close(() => resolve(undefined));
				// Keep-alive sockets from fetch/undici would otherwise hold close() open for seconds.
				server.closeAllConnections();
			});
		},
	};
}

const { signJwt, signHmac, ORGANIZATION_ID } = require('./webhooks');

module.exports = { startSandbox, signJwt, signHmac, ORGANIZATION_ID };
