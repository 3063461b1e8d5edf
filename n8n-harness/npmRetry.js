'use strict';
// npm fetches n8n, Node and their thousands of dependencies from the registry: a reset connection or a registry 5xx
// fails an install that is not ours to fix. Such a failure is tried again, at most NPM_ATTEMPTS times in all, and
// said so in the log. Anything else (a timeout, a conflict, a failed build with a clean network) fails at once.

const { run, commandError, log, fmtSecs, sleep } = require('./proc');

const NPM_ATTEMPTS = 3;

// npm's own error codes for a failed fetch (npm-registry-fetch, make-fetch-happen, minipass-fetch), a registry
// answering 429 or 5xx, a tarball cut short (EINTEGRITY, TAR_BAD_ARCHIVE, Z_BUF_ERROR), and a process ended by a
// signal it did not ask for (the kernel's OOM killer during a native build).
const TRANSIENT = /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|ESOCKETTIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|EINTEGRITY|TAR_BAD_ARCHIVE|Z_BUF_ERROR|E429|E5\d\d)\b|socket hang up|network (?:request|timeout)|premature close|Invalid response body/i;

/**
 * Why a failed npm run may be tried again, or null when it may not. `r` is a result of proc.run().
 * A timeout is never transient: it already waited its whole bound.
 */
function transientNpmFailure(r) {
	if (r.code === 0 || r.timedOut) return null;
	if (r.signal) return `ended by ${r.signal}`;
	const text = `${r.stderr || ''}\n${r.stdout || ''}`;
	const m = TRANSIENT.exec(text);
	return m ? m[0] : null;
}

/**
 * proc.runOk for npm: a transient failure is logged with its reason and run again, up to NPM_ATTEMPTS in all. The
 * log names the run by its heartbeat label. Resolves with the successful result; rejects with the last failure's output.
 */
async function runNpm(args, options, { attempts = NPM_ATTEMPTS, pauseMs = 5000 } = {}) {
	const label = options.heartbeat?.label ?? `npm ${args[0]}`;
	for (let attempt = 1; ; attempt++) {
		const r = await run('npm', args, options);
		if (r.code === 0) {
			if (attempt > 1) log(`${label}: succeeded on attempt ${attempt} of ${attempts}`);
			return r;
		}
		const why = transientNpmFailure(r);
		if (!why || attempt >= attempts) throw commandError('npm', args, r, options, attempt > 1 ? ` on attempt ${attempt} of ${attempts}` : '');
		log(`${label}: failed (${why}) after ${fmtSecs(r.ms)}, a registry or network failure; trying again (attempt ${attempt + 1} of ${attempts})`);
		await sleep(pauseMs);
	}
}

module.exports = { NPM_ATTEMPTS, transientNpmFailure, runNpm };
