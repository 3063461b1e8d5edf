// Mutation runs only (jest.stryker.config.js): while Stryker runs a mutant, run the test files one by one and stop at
// the first file with a failing test. One failure already kills the mutant (Stryker's default, `disableBail: false`);
// jest's own `bail` is ignored when Stryker starts jest programmatically. Outside a mutant run (the initial run,
// plain jest) every file runs as usual.
const TestRunner = require('jest-runner').default;

module.exports = class StrykerBailRunner extends TestRunner {
	async runTests(tests, watcher, options) {
		if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || !options.serial) return super.runTests(tests, watcher, options);
		let failed = false;
		const unsubscribe = this.on('test-file-success', ([, result]) => {
			if (result.numFailingTests > 0 || result.testExecError) failed = true;
		});
		const unsubscribeFailure = this.on('test-file-failure', () => {
			failed = true;
		});
		try {
			for (const test of tests) {
				if (failed) break;
				await super.runTests([test], watcher, options);
			}
		} finally {
			unsubscribe();
			unsubscribeFailure();
		}
	}
};
