'use strict';
// What the editor does, over n8n's REST API, on n8n 1.x and 2.x: the credential test (right and wrong key, and a
// Base URL that redirects), the billable metric picker (From List, search and pages served by the sandbox), and a
// run of the demo workflow and of every example with a manual trigger. This is `node scripts/demo.js --check`, which is also how the README's demo
// is verified headless.

const path = require('path');
const { run } = require('../n8n-harness/proc');

const DEMO = path.join(__dirname, '..', 'scripts', 'demo.js');

describe.each([
	['n8n 1.x', []],
	['n8n 2.x', ['--n8n2']],
])('The demo and the editor calls in %s', (_label, flags) => {
	test('credential test, metric picker and every runnable workflow pass (scripts/demo.js --check)', async () => {
		const r = await run(process.execPath, [DEMO, '--check', ...flags], { timeoutMs: 300_000 });
		const out = `${r.stdout}\n${r.stderr}`;
		if (r.code !== 0) throw new Error(`demo --check exited ${r.code}:\n${out.split('\n').slice(-40).join('\n')}`);
		expect(out).toMatch(/✓ credential test: "OK/);
		expect(out).toMatch(/✓ credential test on a Base URL that redirects: "Error/);
		expect(out).toMatch(/✓ metric picker \(From List\): 1\d metric\(s\): api_calls, storage_gb/);
		expect(out).toMatch(/✓ metric picker in Get Many › Filters, searching "storage": storage_gb/);
		expect(out).toMatch(/✓ subscription picker \(Customer Usage, customer cus_demo_2\): sub_demo_2 /);
		expect(out).toMatch(/✓ "Lago: alert when a customer's usage is over a limit"/);
		expect(out).toMatch(/✓ "Lago: estimate the fee before charging"/);
		expect(out).toMatch(/✓ "Lago: send usage rows with Send Batch"/);
		expect(out).toMatch(/✓ "Lago: re-send the events Lago could not bill" — sandbox fired events\.errors \(answered 200\), execution \d+: success/);
		expect(out).toMatch(/DEMO CHECK PASSED/);
		expect(out).not.toMatch(/✗/);
	}, 320_000);
});
