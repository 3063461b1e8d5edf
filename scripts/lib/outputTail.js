'use strict';
// What `npm test` prints again under its summary for a suite that failed. CI keeps only the end of a run's output,
// and the queue and journeys suites print minutes of text after the e2e suite, so a failure's cause scrolled away.
// Kept per suite, bounded: jest's failure headings (● …) with the lines after each, and the suite's last lines.

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

class OutputTail {
	/**
	 * @param {{ lastLines?: number, failureLines?: number, linesPerFailure?: number }} [limits]
	 */
	constructor({ lastLines = 20, failureLines = 40, linesPerFailure = 10 } = {}) {
		this.limits = { lastLines, failureLines, linesPerFailure };
		this.last = [];
		this.failures = [];
		this.failureHeadings = 0;
		this.following = 0;
		this.partial = { out: '', err: '' };
	}

	/** A chunk of the suite's stdout or stderr, as it arrives (a line may be split across chunks). */
	write(chunk, stream = 'out') {
		const lines = (this.partial[stream] + String(chunk)).split('\n');
		this.partial[stream] = lines.pop();
		for (const line of lines) this.line(line);
	}

	line(raw) {
		const line = raw.replace(ANSI, '').replace(/\r$/, '').trimEnd();
		this.last.push(line);
		if (this.last.length > this.limits.lastLines) this.last.shift();
		// jest: "  ● describe › test" opens a failure; "● Console" is a console.log block of a passing run.
		if (/^\s*● (?!Console\b)/.test(line)) {
			this.failureHeadings += 1;
			this.following = this.limits.linesPerFailure;
			this.keep(line.trim());
		} else if (this.following > 0 && line.trim()) {
			this.following -= 1;
			this.keep(`    ${line.trim()}`);
		}
	}

	keep(line) {
		if (this.failures.length < this.limits.failureLines) this.failures.push(line);
	}

	/** The lines to print for a failed suite: its failures (with how many were left out), then its last lines. */
	report() {
		for (const stream of Object.keys(this.partial)) {
			if (this.partial[stream]) this.line(this.partial[stream]);
			this.partial[stream] = '';
		}
		const out = [];
		if (this.failureHeadings) {
			out.push(`failed tests (${this.failureHeadings} ● heading${this.failureHeadings === 1 ? '' : 's'}):`);
			out.push(...this.failures.map((l) => `  ${l}`));
			if (this.failures.length >= this.limits.failureLines) out.push('  … (more in the output above)');
		}
		out.push(`its last ${this.last.length} lines:`);
		out.push(...this.last.map((l) => `  ${l}`));
		return out;
	}
}

module.exports = { OutputTail };
