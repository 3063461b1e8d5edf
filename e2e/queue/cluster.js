'use strict';
// n8n in queue mode: one main (takes webhooks, enqueues) + N workers (run executions), sharing Redis + Postgres.
// Each process is an N8nInstance from n8n-harness/instance.js: its own user folder with the package installed as a
// community package, its own runner-broker port. Same encryption key everywhere (N8nInstance uses a fixed one).
// Each process gets its own UTS hostname (unshare --uts, as root), so n8n's hostId differs per process.

const fs = require('fs');
const path = require('path');
const { startDaemon, freePort, log, fmtSecs, sleep } = require('../../n8n-harness/proc');
const { N8nInstance } = require('../../n8n-harness/instance');
const { MAX_CRASH_RETRIES, isCrash, recordCrash } = require('../../n8n-harness/crashes');

const canUnshare = () => typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/unshare');

/** VmHWM / VmRSS of a PID in MiB, or null. */
function memOf(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s) || [])[1] || 0);
		return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
	} catch {
		return null;
	}
}

/** Direct children of a PID (n8n's task-runner child). */
function childrenOf(pid) {
	const out = [];
	for (const e of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(e)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (ppid === pid) out.push(Number(e));
		} catch {
			/* gone */
		}
	}
	return out;
}

async function httpOk(url, init = {}) {
	try {
		const r = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
		return r;
	} catch {
		return null;
	}
}

class QueueCluster {
	/**
	 * @param {'n8n1'|'n8n2'} key
	 * @param {{tarball:string, baseDir:string, redis:{port:number}, pg:{port,user,password,database}, workers?:number, concurrency?:number}} opts
	 */
	static async create(key, opts) {
		const c = new QueueCluster(key, opts);
		const names = [
			'main',
			...Array.from({ length: opts.workers || 2 }, (_, i) => `w${i + 1}`),
			...Array.from({ length: opts.webhookProcesses || 0 }, (_, i) => `wh${i + 1}`),
		];
		// Sequential: three parallel `npm install`s only compete for the same 2 cores.
		for (const name of names) {
			const inst = await N8nInstance.create(key, { tarball: opts.tarball, baseDir: opts.baseDir, prefix: `${name}-`, keep: true });
			c.procs.push({ name, inst, daemon: null, pid: null, peak: null, port: null });
		}
		return c;
	}

	constructor(key, opts) {
		this.key = key;
		this.opts = opts;
		this.procs = [];
		this.concurrency = opts.concurrency || 5;
	}

	get main() {
		return this.procs[0];
	}

	get workers() {
		return this.procs.filter((p) => /^w\d+$/.test(p.name));
	}

	/** The `n8n webhook` processes (opts.webhookProcesses): each takes production webhooks on its own port. */
	get webhookProcs() {
		return this.procs.filter((p) => p.name.startsWith('wh'));
	}

	/** What every process (and the CLI) needs for queue mode. */
	queueEnv() {
		const { redis, pg } = this.opts;
		const env = {
			EXECUTIONS_MODE: 'queue',
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(pg.port),
			DB_POSTGRESDB_DATABASE: pg.database,
			DB_POSTGRESDB_USER: pg.user,
			DB_POSTGRESDB_PASSWORD: pg.password,
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			N8N_GIT_NODE_DISABLE_BARE_REPOS: 'true',
		};
		if (this.key === 'n8n1') env.N8N_RUNNERS_ENABLED = 'true';
		return env;
	}

	/** Import credentials + workflow(s) and activate (1.x) / publish (2.x) them, through main's folder, BEFORE main starts. */
	async importAndActivate(creds, workflows) {
		const t0 = Date.now();
		const inst = this.main.inst;
		const env = this.queueEnv();
		await inst.cliOk(['import:credentials', `--input=${inst._writeInput('queue-creds.json', creds)}`], { env, timeoutMs: 180_000 });
		let activate;
		for (const workflow of Array.isArray(workflows) ? workflows : [workflows]) {
			await inst.cliOk(['import:workflow', `--input=${inst._writeInput(`queue-wf-${workflow.id}.json`, workflow)}`], { env, timeoutMs: 180_000 });
			activate = this.key === 'n8n1' ? ['update:workflow', `--id=${workflow.id}`, '--active=true'] : ['publish:workflow', `--id=${workflow.id}`];
			await inst.cliOk(activate, { env, timeoutMs: 180_000 });
		}
		log(`${inst.flavour.label}: migrations + import + ${activate[0]} in ${fmtSecs(Date.now() - t0)}`);
		return Date.now() - t0;
	}

	_spawn(p, args, extraEnv) {
		const inst = p.inst;
		const env = inst.env({ ...this.queueEnv(), ...extraEnv });
		const cmd = [inst.flavour.node, inst.flavour.bin, ...args];
		p.logFile = path.join(inst.folder, `${p.name}.log`);
		// exec keeps the PID: the daemon's PID is n8n's own.
		const [bin, argv] = canUnshare() ? ['unshare', ['--uts', 'bash', '-c', `hostname qe-${p.name} && exec "$@"`, 'bash', ...cmd]] : [cmd[0], cmd.slice(1)];
		p.daemon = startDaemon(bin, argv, { cwd: inst.folder, env, logFile: p.logFile });
		p.pid = p.daemon.child.pid;
		p.daemon.exited.then((e) => (p.exited = e));
	}

	/** Start main + workers; resolves when every /healthz/readiness answers 200 (bounded). */
	async start({ readyTimeoutMs = 120_000 } = {}) {
		const t0 = Date.now();
		const main = this.main;
		main.port = await freePort();
		this.url = `http://127.0.0.1:${main.port}`;
		main.spawn = () =>
			this._spawn(main, ['start'], {
				N8N_PORT: String(main.port),
				N8N_HOST: '127.0.0.1',
				N8N_PROTOCOL: 'http',
				N8N_EDITOR_BASE_URL: `${this.url}/`,
				WEBHOOK_URL: `${this.url}/`,
				N8N_SECURE_COOKIE: 'false',
			});
		main.spawn();
		for (const w of this.workers) {
			w.port = await freePort();
			w.spawn = () => this._spawn(w, ['worker', `--concurrency=${this.concurrency}`], { QUEUE_HEALTH_CHECK_PORT: String(w.port) });
			w.spawn();
		}
		// `n8n webhook`: serves /webhook/ on its own port (its /healthz/readiness too) and enqueues the runs.
		for (const h of this.webhookProcs) {
			h.port = await freePort();
			h.url = `http://127.0.0.1:${h.port}`;
			h.spawn = () => this._spawn(h, ['webhook'], { N8N_PORT: String(h.port), N8N_HOST: '127.0.0.1', N8N_PROTOCOL: 'http', WEBHOOK_URL: `${this.url}/` });
			h.spawn();
		}
		const pending = new Set(this.procs);
		while (pending.size) {
			for (const p of [...pending]) {
				// n8n itself ended by a signal before it was ready (see ../lib/crashes.js): start that process again.
				if (p.exited && isCrash({ code: p.exited.code, signal: p.exited.signal, timedOut: false }) && (p.crashRetries || 0) < MAX_CRASH_RETRIES) {
					p.crashRetries = (p.crashRetries || 0) + 1;
					recordCrash({ flavour: p.inst.flavour.label, what: `queue ${p.name} start`, signal: p.exited.signal, ms: Date.now() - t0, attempt: p.crashRetries });
					log(`${p.inst.flavour.label}: ${p.name} was ended by ${p.exited.signal} before it was ready; starting it again (crash retry ${p.crashRetries} of ${MAX_CRASH_RETRIES})`);
					p.exited = null;
					p.spawn();
					continue;
				}
				if (p.exited) throw new Error(`${p.name} exited (${JSON.stringify(p.exited)}) before it was ready; log: ${p.logFile}\n${this.tail(p)}`);
				const r = await httpOk(`http://127.0.0.1:${p.port}/healthz/readiness`);
				if (r && r.status === 200) pending.delete(p);
			}
			if (!pending.size) break;
			if (Date.now() - t0 > readyTimeoutMs) throw new Error(`not ready after ${fmtSecs(readyTimeoutMs)}: ${[...pending].map((p) => p.name).join(', ')}`);
			await sleep(250);
		}
		const ms = Date.now() - t0;
		log(`${main.inst.flavour.label}: main + ${this.workers.length} workers ready in ${fmtSecs(ms)} (pids ${this.procs.map((p) => `${p.name}=${p.pid}`).join(' ')})`);
		return ms;
	}

	/**
	 * Health is green before main has registered the production webhook. OPTIONS with an Origin header always
	 * answers, but lists POST in Access-Control-Allow-Methods only once the webhook is registered (no side effects).
	 */
	async waitForWebhook(webhookPath, { timeoutMs = 60_000, url = this.url } = {}) {
		const t0 = Date.now();
		for (;;) {
			const r = await httpOk(`${url}/webhook/${webhookPath}`, { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1' } });
			if (r && /\bPOST\b/i.test(r.headers.get('access-control-allow-methods') || '')) break;
			if (this.main.exited) throw new Error(`main exited; log: ${this.main.logFile}`);
			if (Date.now() - t0 > timeoutMs) throw new Error(`webhook "${webhookPath}" not registered after ${fmtSecs(timeoutMs)}\n${this.tail(this.main)}`);
			await sleep(200);
		}
		return Date.now() - t0;
	}

	/** Peak RSS (VmHWM, MiB) of each n8n process and of its task-runner children; call before stop(). */
	sampleMemory() {
		for (const p of this.procs) {
			if (!p.pid || p.exited) continue;
			const own = memOf(p.pid);
			if (!own) continue;
			const runners = childrenOf(p.pid).map(memOf).filter(Boolean);
			const runnerHwm = runners.reduce((m, r) => Math.max(m, r.hwm), 0);
			const prev = p.peak || { hwm: 0, runnerHwm: 0 };
			p.peak = { hwm: Math.max(prev.hwm, own.hwm), runnerHwm: Math.max(prev.runnerHwm, runnerHwm) };
		}
		return Object.fromEntries(this.procs.map((p) => [p.name, p.peak && { n8nMiB: Math.round(p.peak.hwm), runnerMiB: Math.round(p.peak.runnerHwm) }]));
	}

	/** Execution ids a worker logged as started ("Worker started execution 17 (job 17)"). */
	startedBy() {
		const out = {};
		for (const w of this.workers) {
			const text = fs.existsSync(w.logFile) ? fs.readFileSync(w.logFile, 'utf8') : '';
			out[w.name] = [...text.matchAll(/Worker started execution (\d+)/g)].map((m) => Number(m[1]));
		}
		return out;
	}

	logText(p) {
		return p.logFile && fs.existsSync(p.logFile) ? fs.readFileSync(p.logFile, 'utf8') : '';
	}

	tail(p, n = 25) {
		return `--- ${p.name} log tail ---\n${this.logText(p).split('\n').slice(-n).join('\n')}`;
	}

	/** SIGTERM by PID: workers first, then main; SIGKILL after the grace period. Bounded. */
	async stop() {
		try {
			this.sampleMemory();
		} catch {
			/* best effort */
		}
		const t0 = Date.now();
		await Promise.all([...this.webhookProcs, ...this.workers].filter((p) => p.daemon).map((p) => p.daemon.stop(10_000)));
		if (this.main.daemon) await this.main.daemon.stop(10_000);
		log(`queue cluster stopped in ${fmtSecs(Date.now() - t0)}`);
	}

	async dispose({ keep } = {}) {
		await this.stop();
		if (!keep) for (const p of this.procs) fs.rmSync(p.inst.folder, { recursive: true, force: true });
	}
}

module.exports = { QueueCluster, memOf };
