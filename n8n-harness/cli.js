'use strict';
/**
 * Command-line options for the scripts. `flags` are options without a value and the settings they make; `values`
 * take the next argument as [setting, convert?]. --help prints lines [from, to) of the script's header comment
 * (line or block comment).
 */
function parseOptions(argv, { defaults, flags = {}, values = {}, helpFile, helpLines }) {
	const opts = { ...defaults };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (Object.hasOwn(flags, a)) {
			Object.assign(opts, flags[a]);
		} else if (Object.hasOwn(values, a)) {
			const v = argv[++i];
			if (v === undefined) throw new Error(`${a} needs a value`);
			const [setting, convert] = values[a];
			opts[setting] = convert ? convert(v) : v;
		} else if (a === '--help' || a === '-h') {
			const [from, to] = helpLines;
			console.log(require('fs').readFileSync(helpFile, 'utf8').split('\n').slice(from, to).map((l) => l.replace(/^(\/\/|\/\*\*| \*\/?) ?/, '')).join('\n'));
			process.exit(0);
		} else {
			throw new Error(`Unknown option ${a} (try --help)`);
		}
	}
	return opts;
}

module.exports = { parseOptions };
