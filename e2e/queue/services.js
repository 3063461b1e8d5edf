'use strict';
// Private Redis and PostgreSQL instances for the queue-mode e2e: foreground processes on 127.0.0.1 with free,
// non-default ports, data in a throwaway folder, stopped by PID. Install them with e2e/queue/install-services.sh.

const fs = require('fs');
const path = require('path');
const { run, runOk, startDaemon, freePort, log, fmtSecs, sleep } = require('../../n8n-harness/proc');

const PG_USER = 'n8n';
const PG_PASSWORD = 'n8n-queue-e2e';
const PG_DB = 'n8n';

function pgBinDir() {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
	if (!versions.length) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). Run: bash e2e/queue/install-services.sh');
	versions.sort((a, b) => Number(b) - Number(a));
	return path.join(root, versions[0], 'bin');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root: as root, drop to the postgres user with setpriv (exec, so the PID stays). */
function asPostgres(cmd, args) {
	if (!isRoot()) return [cmd, args];
	return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
}

function chownToPostgres(dir) {
	if (!isRoot()) return;
	const { execFileSync } = require('child_process');
	execFileSync('chown', ['-R', 'postgres:postgres', dir]);
}

/**
 * Wait until a process has exited (bounded); true when it did. The bound's timer is cleared when the process exits
 * first: left running, it kept jest alive up to 15 s after the queue suite ("Jest did not exit one second after").
 */
async function waitExit(daemon, ms) {
	let timer;
	const bound = new Promise((resolve) => (timer = setTimeout(() => resolve(false), ms)));
	try {
		return await Promise.race([daemon.exited.then(() => true), bound]);
	} finally {
		clearTimeout(timer);
	}
}

async function startRedis(dir) {
	const t0 = Date.now();
	fs.mkdirSync(dir, { recursive: true });
	const port = await freePort();
	const logFile = path.join(dir, 'redis.log');
	const daemon = startDaemon('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'], {
		cwd: dir,
		logFile,
	});
	for (;;) {
		const r = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { timeoutMs: 5000 }).catch(() => null);
		if (r && r.stdout.trim() === 'PONG') break;
		if (daemon.child.exitCode !== null) throw new Error(`redis-server exited; log: ${logFile}`);
		if (Date.now() - t0 > 20_000) {
			await daemon.stop(2000);
			throw new Error(`redis-server not answering after 20 s; log: ${logFile}`);
		}
		await sleep(100);
	}
	log(`redis-server pid ${daemon.child.pid} on 127.0.0.1:${port} in ${fmtSecs(Date.now() - t0)}`);
	return {
		port,
		pid: daemon.child.pid,
		logFile,
		async stop() {
			await daemon.stop(5000);
		},
	};
}

async function startPostgres(dir) {
	const t0 = Date.now();
	const bin = pgBinDir();
	fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
	fs.chmodSync(dir, 0o755);
	// As root, the postgres user must be able to reach the folder: every parent must be traversable by others.
	for (let d = path.dirname(dir); isRoot() && d !== path.dirname(d); d = path.dirname(d)) {
		if (!(fs.statSync(d).mode & 0o001)) throw new Error(`postgres cannot reach ${dir}: ${d} is not traversable (chmod o+x, or use a folder under /tmp)`);
	}
	const data = path.join(dir, 'data');
	chownToPostgres(dir);
	const pwFile = path.join(dir, 'pw');
	fs.writeFileSync(pwFile, 'postgres-super\n');
	chownToPostgres(pwFile);
	const [c1, a1] = asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
	await runOk(c1, a1, { cwd: dir, timeoutMs: 60_000, logFile: path.join(dir, 'initdb.log') });
	const port = await freePort();
	const logFile = path.join(dir, 'postgres.log');
	const [c2, a2] = asPostgres(path.join(bin, 'postgres'), [
		'-D', data, '-p', String(port), '-k', dir,
		'-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
	]);
	const daemon = startDaemon(c2, a2, { cwd: dir, logFile });
	const psqlArgs = (db, extra) => ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-X', '-q', ...extra];
	try {
		for (;;) {
			const r = await run(path.join(bin, 'pg_isready'), ['-h', dir, '-p', String(port)], { timeoutMs: 5000 }).catch(() => null);
			if (r && r.code === 0) break;
			if (daemon.child.exitCode !== null) throw new Error(`postgres exited; log: ${logFile}`);
			if (Date.now() - t0 > 30_000) throw new Error(`postgres not ready after 30 s; log: ${logFile}`);
			await sleep(100);
		}
		await runOk('psql', psqlArgs('postgres', ['-c', `CREATE USER ${PG_USER} WITH PASSWORD '${PG_PASSWORD}'`, '-c', `CREATE DATABASE ${PG_DB} OWNER ${PG_USER}`]), { timeoutMs: 30_000 });
	} catch (e) {
		await daemon.stop(2000);
		throw e;
	}
	log(`postgres pid ${daemon.child.pid} on 127.0.0.1:${port} (${path.basename(path.dirname(bin))}) in ${fmtSecs(Date.now() - t0)}`);
	return {
		port,
		pid: daemon.child.pid,
		logFile,
		user: PG_USER,
		password: PG_PASSWORD,
		database: PG_DB,
		/** Rows of a query on the n8n database, each an array of column strings (psql -At, unit separator). */
		async query(sql) {
			const r = await runOk('psql', psqlArgs(PG_DB, ['-A', '-t', '-F', '\x1f', '-c', sql]), { timeoutMs: 30_000 });
			return r.stdout.split('\n').filter((l) => l.length).map((l) => l.split('\x1f'));
		},
		async stop() {
			if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
			// SIGINT to the postmaster = fast shutdown (disconnects clients, no waiting for them).
			try {
				process.kill(daemon.child.pid, 'SIGINT');
			} catch {
				/* gone */
			}
			if (!(await waitExit(daemon, 15_000))) await daemon.stop(2000);
			else await daemon.stop(1000); // reaps the group, if anything is left
		},
	};
}

module.exports = { startRedis, startPostgres, pgBinDir };
