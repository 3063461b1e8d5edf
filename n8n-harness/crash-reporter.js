'use strict';
// A jest reporter: at the end of an e2e or queue run, how many times n8n was ended by a signal and run again, per
// n8n version, so that a rising rate shows in every CI log (see n8n-harness/crashes.js and e2e/README.md).

const { readCrashes, countByFlavour, crashLogFile } = require('./crashes');

class CrashReporter {
	onRunStart() {
		this.file = crashLogFile();
	}

	onRunComplete() {
		const crashes = readCrashes(this.file);
		const counts = countByFlavour(crashes, ['n8n 1.x', 'n8n 2.x']);
		const text = Object.entries(counts)
			.map(([flavour, n]) => `${flavour}: ${n}`)
			.join(', ');
		process.stderr.write(`\nn8n crashes (n8n ended by a signal; run again, or its printed result kept): ${text}\n`);
		for (const c of crashes) {
			const what = c.afterResult ? 'after printing the whole run: result kept' : `before a result: run again (retry ${c.attempt})`;
			process.stderr.write(`  ${c.flavour} ${c.what}: ${c.signal} after ${(c.ms / 1000).toFixed(1)} s, ${what}\n`);
		}
	}
}

module.exports = CrashReporter;
