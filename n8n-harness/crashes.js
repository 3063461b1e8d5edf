'use strict';
// n8n itself ended by a signal (a crash of n8n or of its native modules, not of our node's code) is run again, at most
// MAX_CRASH_RETRIES times, and every such crash is recorded so that each suite can print how many it retried.
// Never retried: an exit with a code, a failed execution, a timeout (our own SIGTERM/SIGKILL), an assertion.

const fs = require('fs');
const os = require('os');
const path = require('path');

const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL']);
const MAX_CRASH_RETRIES = 2;

/** Where this run's crashes are appended (one JSON line each). scripts/test-all.js sets it per suite. */
function crashLogFile() {
	if (!process.env.LAGO_E2E_CRASH_LOG) {
		// Inherited by jest's workers, so every test file of one jest run writes to one file.
		process.env.LAGO_E2E_CRASH_LOG = path.join(os.tmpdir(), `lago-e2e-crashes-${process.pid}.jsonl`);
	}
	return process.env.LAGO_E2E_CRASH_LOG;
}

/** A result of proc.run(): ended by one of the crash signals, and not by our own timeout. */
function isCrash(result) {
	return Boolean(result && !result.timedOut && result.code === null && CRASH_SIGNALS.has(result.signal));
}

/** afterResult: n8n had printed the whole run (its result was kept, nothing ran again). */
function recordCrash({ flavour, what, signal, ms, attempt, afterResult }) {
	const line = JSON.stringify({ flavour, what, signal, ms, attempt, afterResult: Boolean(afterResult), at: new Date().toISOString() });
	try {
		fs.appendFileSync(crashLogFile(), `${line}\n`);
	} catch {
		/* counting must never fail a test */
	}
}

function readCrashes(file = crashLogFile()) {
	try {
		return fs
			.readFileSync(file, 'utf8')
			.split('\n')
			.filter(Boolean)
			.map((l) => {
				try {
					return JSON.parse(l);
				} catch {
					return null;
				}
			})
			.filter(Boolean);
	} catch {
		return [];
	}
}

/** "n8n 1.x 0, n8n 2.x 1" style counts, for the reporters. */
function countByFlavour(crashes, flavours) {
	const counts = Object.fromEntries(flavours.map((f) => [f, 0]));
	for (const c of crashes) counts[c.flavour] = (counts[c.flavour] || 0) + 1;
	return counts;
}

module.exports = { CRASH_SIGNALS, MAX_CRASH_RETRIES, crashLogFile, isCrash, recordCrash, readCrashes, countByFlavour };
