#!/usr/bin/env node
'use strict';
// `npm test`: every suite runs, even after one fails, so a red run still shows the state of everything after it.
// Prints one summary line per suite (result, time, n8n crashes met) and exits non-zero if any suite failed.
// Options: --only lint,unit   run just these suites (names below);  --skip queue   leave these out.

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseOptions } = require('../n8n-harness/cli');
const { readCrashes } = require('../n8n-harness/crashes');
const { OutputTail } = require('./lib/outputTail');

const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * name → npm script, and what the suite spends besides its time (printed in the summary). Order matters only for
 * reading: each suite stands alone (e2e, queue and journeys build what they need).
 */
const SUITES = [
	['lint', 'lint'],
	['typecheck', 'typecheck'],
	['unit', 'test:unit'],
	['verify', 'verify'],
	['e2e', 'test:e2e', 'n8n 1.x + 2.x'],
	['queue', 'test:queue', 'redis + postgres (apt-get once), 5 n8n processes per version (main, 2 workers, 2 webhook)'],
	['journeys', 'test:journeys', 'chromium (apt-get once), 1 n8n + 1 browser per version, 5 journeys each'],
];

/** Runs `npm run <script>`, passing its output through and keeping its tail (for a failed suite's summary). */
function runScript(script, env, tail) {
	return new Promise((resolve) => {
		const child = spawn('npm', ['run', script], { cwd: REPO_ROOT, env, stdio: ['inherit', 'pipe', 'pipe'] });
		child.stdout.on('data', (buf) => {
			process.stdout.write(buf);
			tail.write(buf);
		});
		child.stderr.on('data', (buf) => {
			process.stderr.write(buf);
			tail.write(buf, 'err');
		});
		const forward = (signal) => child.kill(signal);
		process.on('SIGINT', forward);
		process.on('SIGTERM', forward);
		child.on('close', (code, signal) => {
			process.off('SIGINT', forward);
			process.off('SIGTERM', forward);
			resolve({ code, signal });
		});
		child.on('error', () => resolve({ code: -1, signal: null }));
	});
}

/** "n8n 1.x 3 (1 run again, 2 results kept)" per n8n version, from what the e2e runner recorded. */
function describeCrashes(file) {
	const byFlavour = {};
	for (const c of readCrashes(file)) {
		const f = (byFlavour[c.flavour] = byFlavour[c.flavour] || { rerun: 0, kept: 0 });
		if (c.afterResult) f.kept += 1;
		else f.rerun += 1;
	}
	const parts = Object.entries(byFlavour).map(([flavour, f]) => `${flavour} ${f.rerun + f.kept} (${f.rerun} run again, ${f.kept} results kept)`);
	return parts.length ? parts.join('; ') : '0';
}

const fmtSecs = (ms) => `${(ms / 1000).toFixed(0)} s`;

async function main() {
	const options = parseOptions(process.argv.slice(2), {
		defaults: { only: null, skip: [] },
		values: { '--only': ['only', (v) => v.split(',')], '--skip': ['skip', (v) => v.split(',')] },
		helpFile: __filename,
		helpLines: [2, 5],
	});
	const { only, skip } = options;
	for (const name of [...(only || []), ...skip]) {
		if (!SUITES.some(([n]) => n === name)) throw new Error(`Unknown suite "${name}" (known: ${SUITES.map(([n]) => n).join(', ')})`);
	}
	const chosen = SUITES.filter(([name]) => (!only || only.includes(name)) && !skip.includes(name));
	const results = [];
	const t0 = Date.now();
	for (const [name, script, cost] of chosen) {
		const crashLog = path.join(os.tmpdir(), `lago-test-crashes-${process.pid}-${name}.jsonl`);
		fs.rmSync(crashLog, { force: true });
		const started = Date.now();
		process.stdout.write(`\n=== ${name} (npm run ${script}) ===\n`);
		const tail = new OutputTail();
		const { code, signal } = await runScript(script, { ...process.env, LAGO_E2E_CRASH_LOG: crashLog }, tail);
		const crashes = describeCrashes(crashLog);
		fs.rmSync(crashLog, { force: true });
		results.push({ name, ok: code === 0, code, signal, crashes, cost, ms: Date.now() - started, tail });
		if (signal === 'SIGINT' || signal === 'SIGTERM') break;
	}
	const width = Math.max(...results.map((r) => r.name.length));
	for (const r of results.filter((x) => x.code !== 0)) {
		process.stdout.write(`\n=== why ${r.name} failed ===\n${r.tail.report().join('\n')}\n`);
	}
	process.stdout.write('\n=== summary ===\n');
	for (const r of results) {
		const status = r.ok ? 'passed' : `FAILED (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})`;
		process.stdout.write(`${r.name.padEnd(width)}  ${status.padEnd(18)}  ${fmtSecs(r.ms).padStart(6)}  n8n crashes: ${r.crashes}${r.cost ? `  (${r.cost})` : ''}\n`);
	}
	const passed = results.filter((r) => r.ok).length;
	const failed = results.length - passed;
	process.stdout.write(`total time ${fmtSecs(Date.now() - t0)}\n`);
	process.stdout.write(`suites: ${passed} passed, ${failed} failed\n`);
	process.exit(failed === 0 && results.length === chosen.length ? 0 : 1);
}

main().catch((e) => {
	process.stderr.write(`test-all failed: ${e.stack || e.message}\n`);
	process.exit(1);
});
