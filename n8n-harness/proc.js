'use strict';
// Child-process helpers shared by the e2e harness and the demo.
// Every child gets a deadline and runs in its own process group, so a timeout
// (or our own exit) kills the whole tree: npm -> node-gyp -> make, n8n -> task runner.

const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');

const live = new Set();

function killTree(child, signal = 'SIGTERM') {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {
			/* already gone */
		}
	}
}

let exitHookInstalled = false;
function installExitHook() {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const child of live) killTree(child, 'SIGKILL');
	});
}

function log(...args) {
	const t = new Date().toISOString().slice(11, 19);
	process.stderr.write(`[lago-e2e ${t}] ${args.join(' ')}\n`);
}

function fmtSecs(ms) {
	return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Run a command to completion.
 * @returns {Promise<{code:number|null, signal:string|null, stdout:string, stderr:string, timedOut:boolean, ms:number}>}
 * options: cwd, env, timeoutMs (required, bounded), logFile (append all output), heartbeat ({everyMs, label}),
 *          input (string written to stdin), maxBuffer (bytes kept per stream, default 64 MiB),
 *          stdoutFile (send stdout to this file instead of a pipe: n8n calls process.exit() right after printing,
 *          which truncates a large output written to a pipe, but never one written to a file)
 */
function run(cmd, args, options = {}) {
	const { cwd, env = process.env, timeoutMs = 60_000, logFile, heartbeat, input, maxBuffer = 64 * 1024 * 1024, stdoutFile } = options;
	installExitHook();
	return new Promise((resolve, reject) => {
		const started = Date.now();
		let child;
		try {
			const stdout = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'pipe';
			child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['pipe', stdout, 'pipe'] });
			if (stdoutFile) fs.closeSync(stdout);
		} catch (err) {
			reject(err);
			return;
		}
		live.add(child);
		const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
		if (logStream) logStream.write(`\n$ ${cmd} ${args.join(' ')}   (cwd ${cwd || process.cwd()})\n`);
		const out = [];
		const err = [];
		let outLen = 0;
		let errLen = 0;
		let lastLine = '';
		const collect = (chunks, which) => (buf) => {
			if (logStream) logStream.write(buf);
			const s = buf.toString();
			const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
			if (lines.length) lastLine = lines[lines.length - 1];
			if (which === 'out' ? outLen < maxBuffer : errLen < maxBuffer) {
				chunks.push(buf);
				if (which === 'out') outLen += buf.length;
				else errLen += buf.length;
			}
		};
		if (child.stdout) child.stdout.on('data', collect(out, 'out'));
		child.stderr.on('data', collect(err, 'err'));
		child.stdin.on('error', () => {});
		if (input !== undefined) child.stdin.end(input);
		else child.stdin.end();

		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killTree(child, 'SIGTERM');
			setTimeout(() => killTree(child, 'SIGKILL'), 5000).unref();
		}, timeoutMs);
		const beat = heartbeat
			? setInterval(() => {
					const tail = lastLine ? `  (last output: ${lastLine.slice(0, 100)})` : '';
					log(`${heartbeat.label}: still running after ${fmtSecs(Date.now() - started)}${tail}`);
				}, heartbeat.everyMs || 20_000)
			: null;

		child.on('error', (e) => {
			clearTimeout(timer);
			if (beat) clearInterval(beat);
			live.delete(child);
			if (logStream) logStream.end();
			reject(e);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (beat) clearInterval(beat);
			live.delete(child);
			// The group may still hold grandchildren (n8n's task runner); make sure they go too.
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				/* group already empty */
			}
			const result = {
				code,
				signal,
				stdout: stdoutFile ? fs.readFileSync(stdoutFile, 'utf8') : Buffer.concat(out).toString(),
				stderr: Buffer.concat(err).toString(),
				timedOut,
				ms: Date.now() - started,
			};
			if (logStream) logStream.end(`\n[exit ${code}${signal ? ' ' + signal : ''}${timedOut ? ' TIMEOUT' : ''} after ${fmtSecs(result.ms)}]\n`);
			resolve(result);
		});
	});
}

/** The error for a failed run() result: the command, how it ended (and `after`, e.g. which attempt), its last output. */
function commandError(cmd, args, r, options = {}, after = '') {
	const why = r.timedOut ? `timed out after ${fmtSecs(options.timeoutMs || 60_000)}` : `exited with ${r.code}${r.signal ? ' (' + r.signal + ')' : ''}`;
	const tail = (r.stderr || r.stdout).split('\n').slice(-25).join('\n');
	const more = options.logFile ? `\nFull log: ${options.logFile}` : '';
	const e = new Error(`${cmd} ${args.join(' ')} ${why}${after}\n${tail}${more}`);
	e.result = r;
	return e;
}

/** Like run(), but rejects unless the command exits 0. */
async function runOk(cmd, args, options = {}) {
	const r = await run(cmd, args, options);
	if (r.code !== 0) throw commandError(cmd, args, r, options);
	return r;
}

/**
 * Start a long-running process (n8n start). Output goes to logFile (and to onLine).
 * @returns {{child, stop:(ms?:number)=>Promise<void>, exited:Promise<{code,signal}>}}
 */
function startDaemon(cmd, args, { cwd, env, logFile, onLine } = {}) {
	installExitHook();
	const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	live.add(child);
	const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
	let pending = '';
	const onData = (buf) => {
		if (logStream) logStream.write(buf);
		if (onLine) {
			pending += buf.toString();
			const lines = pending.split('\n');
			pending = lines.pop();
			for (const l of lines) onLine(l);
		}
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	const exited = new Promise((resolve) => {
		child.on('close', (code, signal) => {
			live.delete(child);
			if (logStream) logStream.end();
			resolve({ code, signal });
		});
		child.on('error', () => {
			live.delete(child);
			resolve({ code: -1, signal: null });
		});
	});
	async function stop(graceMs = 15_000) {
		if (child.exitCode !== null || child.signalCode !== null) {
			await exited;
			return;
		}
		killTree(child, 'SIGTERM');
		const t = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
		await exited;
		clearTimeout(t);
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* group already empty */
		}
	}
	return { child, stop, exited };
}

/** A free TCP port on 127.0.0.1 (best effort: the port is released before use). */
function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { run, runOk, commandError, startDaemon, freePort, killTree, log, fmtSecs, sleep };
