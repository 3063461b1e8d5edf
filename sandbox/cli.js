#!/usr/bin/env node
'use strict';

const { startSandbox } = require('./index');
const { DEFAULT_API_KEY } = require('./state');

const USAGE = `Usage: node sandbox/cli.js [options]
  --port N                 listen port (default 4010; 0 picks a free one)
  --host H                 bind address (default 127.0.0.1)
  --api-key KEY            accepted API key (default ${DEFAULT_API_KEY})
  --batch-max N            max events per batch (default 100)
  --reject ID1,ID2         transaction_ids refused like a failing metric expression
  --webhook-hmac-key KEY   the organisation's webhook HMAC key (default: random; GET /_sandbox/webhooks/keys)
  --fault-seed N           enable seeded faults with this seed
  --fault-429 P            probability of a 429 per events request
  --fault-503 P            probability of an HTML 503
  --fault-reset P          probability of a dropped connection
  --fault-reset-seconds S  X-RateLimit-Reset sent with a 429 (default 1)
  --fault-first-fail N     the first N events requests get a 503
  --lago-cloud-limits on   answer 429 over Lago Cloud's limits (500/s ingestion, 200/s current usage, 50/s other)`;

/** @type {Record<string, string>} flag -> key in the parsed result */
const FLAGS = {
	'--port': 'port',
	'--host': 'host',
	'--api-key': 'apiKey',
	'--batch-max': 'batchMax',
	'--reject': 'reject',
	'--webhook-hmac-key': 'webhookHmacKey',
	'--fault-seed': 'seed',
	'--fault-429': 'rate429',
	'--fault-503': 'rate503',
	'--fault-reset': 'rateReset',
	'--fault-reset-seconds': 'resetSeconds',
	'--fault-first-fail': 'firstAttemptsFail',
	'--lago-cloud-limits': 'cloudLimits',
};
const FAULT_KEYS = ['seed', 'rate429', 'rate503', 'rateReset', 'resetSeconds', 'firstAttemptsFail'];

/** @param {string[]} argv @returns {Record<string, string>} */
function parseArgs(argv) {
	/** @type {Record<string, string>} */
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split(/=(.*)/s, 2);
		if (flag === '--help' || flag === '-h') {
			process.stdout.write(`${USAGE}\n`);
			process.exit(0);
		}
		const key = FLAGS[flag];
		const value = inline !== undefined ? inline : argv[++i];
		if (!key || value === undefined) {
			process.stderr.write(`Unknown or incomplete option: ${flag}\n${USAGE}\n`);
			process.exit(2);
		}
		out[key] = value;
	}
	return out;
}

/** @param {Record<string, string>} args */
function toOptions(args) {
	const hasFaults = FAULT_KEYS.some((k) => args[k] !== undefined);
	return {
		port: args.port !== undefined ? Number(args.port) : 4010,
		host: args.host || '127.0.0.1',
		apiKey: args.apiKey || DEFAULT_API_KEY,
		batchMaxLength: args.batchMax !== undefined ? Number(args.batchMax) : undefined,
		rejectTransactionIds: args.reject ? args.reject.split(',').filter(Boolean) : [],
		webhookHmacKey: args.webhookHmacKey,
		enforceRateLimits: args.cloudLimits === 'on',
		faults: hasFaults
			? Object.fromEntries(FAULT_KEYS.filter((k) => args[k] !== undefined).map((k) => [k, Number(args[k])]))
			: null,
	};
}

async function main() {
	const sandbox = await startSandbox(toOptions(parseArgs(process.argv.slice(2))));
	// One stable line: scripts and tests read the URL and key from it.
	process.stdout.write(`Lago sandbox listening on ${sandbox.apiUrl} api_key=${sandbox.apiKey}\n`);
	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		sandbox.stop().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	process.stderr.write(`lago sandbox failed to start: ${err && err.message ? err.message : err}\n`);
	process.exit(1);
});
