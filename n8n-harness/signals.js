'use strict';
// Start an npm script, wait until it says it is ready, send a signal to the npm process alone (as a process manager,
// `kill <npm pid>` or a CI runner would, rather than a terminal's Ctrl-C to the whole group), and report what is
// still listening afterwards. Used by the tests of `npm run sandbox` and `npm run demo`.

const { spawn } = require('child_process');
const net = require('net');
const path = require('path');
const { sleep } = require('./proc');

const REPO_ROOT = path.resolve(__dirname, '..');

const canConnect = (port) =>
	new Promise((resolve) => {
		const s = net.connect({ port, host: '127.0.0.1' });
		s.once('connect', () => {
			s.destroy();
			resolve(true);
		});
		s.once('error', () => resolve(false));
	});

/**
 * @returns {Promise<{npmExit:{code:number|null,signal:string|null}, output:string, listening:number[]}>} the ports of
 *   `ports` that still accept connections once npm has exited (after `graceMs`).
 */
async function signalNpmScript(script, args, { ready, signal, ports, readyTimeoutMs = 120_000, graceMs = 20_000, env = process.env }) {
	const child = spawn('npm', ['run', script, '--', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	let output = '';
	const exited = new Promise((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
	try {
		await new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`npm run ${script} not ready after ${readyTimeoutMs} ms:\n${output.slice(-3000)}`)), readyTimeoutMs);
			const onData = (buf) => {
				output += buf.toString();
				if (ready.test(output)) {
					clearTimeout(timer);
					resolve();
				}
			};
			child.stdout.on('data', onData);
			child.stderr.on('data', onData);
			exited.then(() => {
				clearTimeout(timer);
				reject(new Error(`npm run ${script} exited before it was ready:\n${output.slice(-3000)}`));
			});
		});
		process.kill(child.pid, signal);
		let timer;
		const npmExit = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve(null), graceMs)))]);
		clearTimeout(timer);
		if (!npmExit) throw new Error(`npm did not exit within ${graceMs} ms of ${signal}`);
		const deadline = Date.now() + graceMs;
		let listening = ports;
		while (Date.now() < deadline) {
			listening = [];
			for (const p of ports) if (await canConnect(p)) listening.push(p);
			if (!listening.length) break;
			await sleep(250);
		}
		return { npmExit, output, listening };
	} finally {
		// Whatever the outcome, leave nothing behind: the whole group (npm, sh, node, n8n, its task runner).
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
	}
}

module.exports = { signalNpmScript, canConnect };
