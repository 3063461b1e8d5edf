'use strict';
// The e2e setup installs n8n from the npm registry. A registry or network fault is tried again; anything else is not.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { transientNpmFailure, runNpm } = require('../../n8n-harness/npmRetry');

const failed = (fields) => ({ code: 1, signal: null, stdout: '', stderr: '', timedOut: false, ms: 10, ...fields });

describe('transientNpmFailure', () => {
	test.each([
		['npm error code ECONNRESET\nnpm error network aborted', 'ECONNRESET'],
		['npm error code ETIMEDOUT', 'ETIMEDOUT'],
		['npm error code EAI_AGAIN\nnpm error request to https://registry.npmjs.org/n8n failed', 'EAI_AGAIN'],
		['npm error code E503\nnpm error 503 Service Unavailable - GET https://registry.npmjs.org/n8n', 'E503'],
		['npm error code E429', 'E429'],
		['npm error code EINTEGRITY\nsha512-… integrity checksum failed', 'EINTEGRITY'],
		['npm error network request to https://registry.npmjs.org/x failed, reason: socket hang up', 'network request'],
	])('%j is a registry or network fault', (stderr, why) => {
		expect(transientNpmFailure(failed({ stderr }))).toBe(why);
	});

	test('a process ended by a signal it did not ask for (the OOM killer) may be tried again', () => {
		expect(transientNpmFailure(failed({ code: null, signal: 'SIGKILL' }))).toBe('ended by SIGKILL');
	});

	test.each([
		['npm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree'],
		['npm error code ETARGET\nnpm error notarget No matching version found for n8n@9.9.9.'],
		['npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/n8n-nope'],
		['gyp ERR! build error\nnpm error code 1'],
		[''],
	])('%j is not tried again', (stderr) => {
		expect(transientNpmFailure(failed({ stderr }))).toBeNull();
	});

	test('a timeout is never tried again, even with a network error in its output', () => {
		expect(transientNpmFailure(failed({ code: null, signal: 'SIGTERM', timedOut: true, stderr: 'ECONNRESET' }))).toBeNull();
	});

	test('success is not a failure', () => {
		expect(transientNpmFailure(failed({ code: 0, stderr: 'ECONNRESET' }))).toBeNull();
	});

	test('an error code is matched as a word only', () => {
		expect(transientNpmFailure(failed({ stderr: 'see XECONNRESETX and E5000' }))).toBeNull();
	});
});

describe('runNpm', () => {
	let dir;
	let realPath;
	beforeEach(() => {
		// A fake `npm` first on PATH: it counts its runs in a file and fails with the text in FAKE_NPM_FAIL until run N.
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-retry-'));
		fs.writeFileSync(
			path.join(dir, 'npm'),
			'#!/bin/sh\nn=$(cat "$FAKE_NPM_COUNT" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$FAKE_NPM_COUNT"; echo "$*" >> "$FAKE_NPM_COUNT.args"\n' +
				'if [ "$n" -lt "$FAKE_NPM_OK_AT" ]; then echo "$FAKE_NPM_FAIL" >&2; exit 1; fi\necho "done $*"\n',
			{ mode: 0o755 },
		);
		realPath = process.env.PATH;
	});
	afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

	const env = (okAt, fail) => ({ PATH: `${dir}:${realPath}`, FAKE_NPM_COUNT: path.join(dir, 'count'), FAKE_NPM_OK_AT: String(okAt), FAKE_NPM_FAIL: fail });
	const runs = () => Number(fs.readFileSync(path.join(dir, 'count'), 'utf8'));
	const quiet = () => jest.spyOn(process.stderr, 'write').mockImplementation(() => true);

	test('two resets, then success: three runs, the same arguments each time, and each retry logged with its reason', async () => {
		const spy = quiet();
		const r = await runNpm(['install', 'n8n@2.41.1'], { env: env(3, 'npm error code ECONNRESET'), timeoutMs: 10_000, heartbeat: { everyMs: 60_000, label: 'n8n 2.x: npm install' } }, { pauseMs: 0 });
		const logged = spy.mock.calls.map((c) => String(c[0]));
		spy.mockRestore();
		expect(r.stdout.trim()).toBe('done install n8n@2.41.1');
		expect(runs()).toBe(3);
		expect(fs.readFileSync(path.join(dir, 'count.args'), 'utf8')).toBe('install n8n@2.41.1\n'.repeat(3));
		expect(logged.filter((l) => l.includes('trying again'))).toEqual([
			expect.stringContaining('n8n 2.x: npm install: failed (ECONNRESET) after'),
			expect.stringContaining('(attempt 3 of 3)'),
		]);
		expect(logged.some((l) => l.includes('n8n 2.x: npm install: succeeded on attempt 3 of 3'))).toBe(true);
	});

	test('resets on every attempt: stops after 3 and says so, with npm output', async () => {
		const spy = quiet();
		const p = runNpm(['install', 'n8n@2.41.1'], { env: env(99, 'npm error code ECONNRESET'), timeoutMs: 10_000 }, { pauseMs: 0 });
		await expect(p).rejects.toThrow(/^npm install n8n@2\.41\.1 exited with 1 on attempt 3 of 3\nnpm error code ECONNRESET/);
		spy.mockRestore();
		expect(runs()).toBe(3);
	});

	test('a failure that is not a registry or network fault fails on the first run', async () => {
		const spy = quiet();
		const p = runNpm(['install', 'n8n@2.41.1'], { env: env(2, 'npm error code ERESOLVE'), timeoutMs: 10_000 }, { pauseMs: 0 });
		await expect(p).rejects.toThrow(/^npm install n8n@2\.41\.1 exited with 1\nnpm error code ERESOLVE/);
		spy.mockRestore();
		expect(runs()).toBe(1);
	});
});
