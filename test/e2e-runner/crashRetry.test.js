'use strict';
// The e2e runner's crash policy, against a stand-in for the n8n binary: a signal death (SIGSEGV, SIGABRT, SIGBUS,
// SIGILL) before a result is run again at most twice, recorded, and the sandbox restored first; one after n8n printed
// the whole run keeps that result; an exit code, a failed execution and a timeout are never run again.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { N8nInstance } = require('../../n8n-harness/instance');
const { readCrashes } = require('../../n8n-harness/crashes');
const { startSandbox } = require('../../sandbox');

// Plays one outcome per attempt from plan.json (in its cwd), counting attempts in attempts.txt.
const FAKE_N8N = `
const fs = require('fs');
const plan = JSON.parse(fs.readFileSync('plan.json', 'utf8'));
const n = fs.existsSync('attempts.txt') ? Number(fs.readFileSync('attempts.txt', 'utf8')) : 0;
fs.writeFileSync('attempts.txt', String(n + 1));
const step = plan[Math.min(n, plan.length - 1)];
const run = (error) => JSON.stringify({ data: { resultData: { runData: { Node: [{ data: { main: [[{ json: { attempt: n + 1 } }]] } }] }, ...(error ? { error: { message: 'failed' } } : {}) } } });
if (step.post) {
	fetch(step.post, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify({ event: { transaction_id: 'tx-' + (n + 1), external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: 1768471200, properties: { gb: 1 } } }) })
		.then(() => act(step), () => act(step));
} else act(step);
function act(step) {
	if (step.out === 'ok') { process.stdout.write(run(false) + '\\n'); process.exit(0); }
	if (step.out === 'failed') { process.stdout.write('Execution was NOT successful\\n' + run(true) + '\\n'); process.exit(1); }
	if (step.out === 'exit3') process.exit(3);
	if (step.out === 'hang') return void setInterval(() => {}, 1000);
	if (step.printFirst) process.stdout.write(run(false) + '\\n');
	if (step.failedFirst) process.stdout.write('Execution was NOT successful\\n' + run(true) + '\\n');
	if (step.out) process.kill(process.pid, step.out);
}
`;

describe('e2e runner: n8n crash retries', () => {
	let dir;
	let crashLog;
	const savedLog = process.env.LAGO_E2E_CRASH_LOG;

	beforeEach(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-crash-retry-'));
		crashLog = path.join(dir, 'crashes.jsonl');
		process.env.LAGO_E2E_CRASH_LOG = crashLog;
		fs.writeFileSync(path.join(dir, 'fake-n8n.js'), FAKE_N8N);
		// The runner narrates every attempt on stderr; keep a passing run quiet.
		jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
	});

	afterEach(() => {
		jest.restoreAllMocks();
		fs.rmSync(dir, { recursive: true, force: true });
		if (savedLog === undefined) delete process.env.LAGO_E2E_CRASH_LOG;
		else process.env.LAGO_E2E_CRASH_LOG = savedLog;
	});

	function instance(plan) {
		fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
		const flavour = { key: 'n8n2', label: 'n8n 2.x', node: process.execPath, bin: path.join(dir, 'fake-n8n.js') };
		const inst = new N8nInstance(flavour, dir, { keep: true });
		fs.mkdirSync(inst.userFolder, { recursive: true });
		inst.brokerPort = 5679;
		return inst;
	}
	const attempts = () => Number(fs.readFileSync(path.join(dir, 'attempts.txt'), 'utf8'));

	test.each(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL'])('%s, then success: run again once, the crash recorded', async (signal) => {
		const res = await instance([{ out: signal }, { out: 'ok' }]).execute('wf1');
		expect(res.ok).toBe(true);
		expect(res.items('Node')).toEqual([{ attempt: 2 }]);
		expect(res.crashRetries).toBe(1);
		expect(attempts()).toBe(2);
		expect(readCrashes(crashLog).map((c) => [c.flavour, c.what, c.signal, c.attempt])).toEqual([['n8n 2.x', 'execute wf1', signal, 1]]);
	});

	test('three crashes in a row: two retries, then the crash is the result', async () => {
		const res = await instance([{ out: 'SIGSEGV' }]).execute('wf1');
		expect(res.ok).toBe(false);
		expect(res.signal).toBe('SIGSEGV');
		expect(res.crashRetries).toBe(2);
		expect(attempts()).toBe(3);
		expect(readCrashes(crashLog)).toHaveLength(2);
	});

	test.each([
		['an exit code', [{ out: 'exit3' }, { out: 'ok' }], (res) => expect(res.exitCode).toBe(3)],
		['a failed execution', [{ out: 'failed' }, { out: 'ok' }], (res) => expect(res.error).toEqual({ message: 'failed' })],
		['SIGTERM (not a crash signal)', [{ out: 'SIGTERM' }, { out: 'ok' }], (res) => expect(res.signal).toBe('SIGTERM')],
	])('%s is never run again', async (_what, plan, check) => {
		const res = await instance(plan).execute('wf1');
		expect(res.ok).toBe(false);
		check(res);
		expect(attempts()).toBe(1);
		expect(readCrashes(crashLog)).toEqual([]);
	});

	test('a timeout is never run again', async () => {
		const res = await instance([{ out: 'hang' }, { out: 'ok' }]).execute('wf1', { timeoutMs: 1500 });
		expect(res.timedOut).toBe(true);
		expect(attempts()).toBe(1);
		expect(readCrashes(crashLog)).toEqual([]);
	}, 15_000);

	test('a crash after n8n printed the whole run: that result is kept, nothing runs again, the crash is recorded', async () => {
		const res = await instance([{ printFirst: true, out: 'SIGSEGV' }, { out: 'ok' }]).execute('wf1');
		expect(res.ok).toBe(true);
		expect(res.signal).toBe('SIGSEGV');
		expect(res.crashedAfterResult).toBe(true);
		expect(res.items('Node')).toEqual([{ attempt: 1 }]);
		expect(attempts()).toBe(1);
		expect(readCrashes(crashLog).map((c) => [c.signal, c.afterResult])).toEqual([['SIGSEGV', true]]);
	});

	test('a crash after a failed run printed its result: kept as the failure it is', async () => {
		const res = await instance([{ failedFirst: true, out: 'SIGSEGV' }, { out: 'ok' }]).execute('wf1');
		expect(res.ok).toBe(false);
		expect(res.error).toEqual({ message: 'failed' });
		expect(attempts()).toBe(1);
	});

	test('a crash after the run sent an event but before its result: the sandbox is restored, then it runs again', async () => {
		const sb = await startSandbox({ port: 0, apiKey: 'k' });
		try {
			sb.seedEvents([{ transaction_id: 'seeded-1', external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: 1768471200, properties: { gb: 2 } }]);
			const inst = instance([
				{ post: `${sb.apiUrl}/events`, out: 'SIGSEGV' },
				{ post: `${sb.apiUrl}/events`, out: 'ok' },
			]);
			inst.restoreOnCrash(sb);
			const res = await inst.execute('wf1');
			expect(res.ok).toBe(true);
			expect(attempts()).toBe(2);
			expect(sb.events.map((e) => e.transaction_id)).toEqual(['seeded-1', 'tx-2']);
			expect(sb.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /api/v1/events 200']);
			expect(JSON.parse(sb.requests[0].rawBody).event.transaction_id).toBe('tx-2');
			expect(readCrashes(crashLog).map((c) => [c.signal, c.afterResult, c.attempt])).toEqual([['SIGSEGV', false, 1]]);
		} finally {
			await sb.stop();
		}
	});
});
