'use strict';
// `npm test` prints a failed suite's failures and last lines again under its summary, because CI keeps only the end.

const { OutputTail } = require('../../scripts/lib/outputTail');

const JEST_FAILURE = [
	'PASS e2e/trigger.e2e.test.js (71.2 s)',
	'  ● Console',
	'',
	'    console.log',
	'      some figures',
	'FAIL e2e/read-side.e2e.test.js (36.9 s)',
	'  \x1b[1m\x1b[31m● Read side in n8n 2.x › Get Many returns the same 250\x1b[39m\x1b[22m',
	'',
	'    expect(received).toEqual(expected) // deep equality',
	'',
	'    - Expected  - 1',
	'    + Received  + 1',
	'',
	'      at Object.<anonymous> (e2e/read-side.e2e.test.js:120:5)',
	'Tests:       1 failed, 91 passed, 92 total',
];

describe('OutputTail', () => {
	test('keeps each jest failure heading (not "● Console") with the lines after it, colours removed, and the last lines', () => {
		const t = new OutputTail({ lastLines: 3, linesPerFailure: 3 });
		t.write(JEST_FAILURE.join('\n') + '\n');
		expect(t.report()).toEqual([
			'failed tests (1 ● heading):',
			'  ● Read side in n8n 2.x › Get Many returns the same 250',
			'      expect(received).toEqual(expected) // deep equality',
			'      - Expected  - 1',
			'      + Received  + 1',
			'its last 3 lines:',
			'  ',
			'        at Object.<anonymous> (e2e/read-side.e2e.test.js:120:5)',
			'  Tests:       1 failed, 91 passed, 92 total',
		]);
	});

	test('a line split across chunks, and across stdout and stderr, is put back together per stream', () => {
		const t = new OutputTail({ lastLines: 5 });
		t.write('e2e setup fa', 'err');
		t.write('[lago-e2e 02:47] n8n 2.x: installing', 'out');
		t.write('iled: npm install n8n@2.41.1 exited with 1\nnpm error code ECONNRESET', 'err');
		t.write(' …\n', 'out');
		expect(t.report()).toEqual([
			'its last 3 lines:',
			'  e2e setup failed: npm install n8n@2.41.1 exited with 1',
			'  [lago-e2e 02:47] n8n 2.x: installing …',
			'  npm error code ECONNRESET',
		]);
	});

	test('bounded: at most failureLines kept, says that more were left out, and counts every heading', () => {
		const t = new OutputTail({ lastLines: 1, failureLines: 4, linesPerFailure: 1 });
		for (let i = 1; i <= 5; i++) t.write(`  ● test ${i}\n    why ${i}\n    more ${i}\n`);
		expect(t.report()).toEqual([
			'failed tests (5 ● headings):',
			'  ● test 1',
			'      why 1',
			'  ● test 2',
			'      why 2',
			'  … (more in the output above)',
			'its last 1 lines:',
			'      more 5',
		]);
	});
});
