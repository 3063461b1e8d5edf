'use strict';
/**
 * A real network in front of the sandbox, for the bench only (never shipped): HTTPS with a throwaway certificate,
 * behind a TCP proxy that delays bytes to emulate a round-trip time.
 *
 *   client --TCP--> [latency proxy: RTT/2 each way, +1 RTT before a new connection's first byte]
 *          --TLS--> [TLS 1.3 terminator] --HTTP--> sandbox
 *
 * The proxy delays the encrypted bytes, so every exchange pays what it pays on a real link: a new connection 1 RTT
 * for the TCP handshake, 1 RTT for the TLS 1.3 handshake (TLS 1.2 would be 2) and 1 RTT per request and response;
 * a kept-alive connection only the last. Bandwidth is not limited. The proxy counts the connections it accepted.
 *
 * The certificate is made at run time with `openssl req -x509` (EC P-256, SAN 127.0.0.1 and localhost, valid one
 * day) and trusted by the clients through NODE_EXTRA_CA_CERTS.
 */
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const tls = require('tls');
const { execFileSync } = require('child_process');

/** A self-signed certificate for 127.0.0.1 and localhost in a fresh temporary folder. */
function makeCertificate() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-bench-tls-'));
	const keyFile = path.join(dir, 'key.pem');
	const certFile = path.join(dir, 'cert.pem');
	execFileSync('openssl', [
		'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
		'-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=lago-bench',
		'-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
		'-addext', 'basicConstraints=critical,CA:TRUE',
	], { stdio: ['ignore', 'ignore', 'pipe'] });
	return { dir, keyFile, certFile, key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
}

/**
 * Bytes from one side delivered to the other `delayMs` later, in order. `notBefore` holds the first delivery, for the
 * TCP handshake of a new connection.
 */
function delayedPipe(from, to, delayMs, notBefore = 0) {
	const queue = [];
	let timer;
	let ended = false;
	const drain = () => {
		timer = undefined;
		const now = Date.now();
		while (queue.length && queue[0].at <= now) {
			const { chunk } = queue.shift();
			if (chunk === null) to.end();
			else if (!to.destroyed) to.write(chunk);
		}
		if (queue.length) timer = setTimeout(drain, queue[0].at - now);
	};
	const push = (chunk) => {
		queue.push({ at: Math.max(Date.now(), notBefore) + delayMs, chunk });
		if (!timer) timer = setTimeout(drain, Math.max(0, queue[0].at - Date.now()));
	};
	from.on('data', push);
	from.on('end', () => {
		if (!ended) push(null);
		ended = true;
	});
}

/**
 * Starts the TLS terminator and the latency proxy in front of `target` (the sandbox's http://host:port).
 * Returns the HTTPS URL to give clients, the certificate file for NODE_EXTRA_CA_CERTS, a connection counter and stop.
 */
async function startNetwork(target, { rttMs, tls: useTls = true }) {
	const upstream = new URL(target);
	const cert = useTls ? makeCertificate() : undefined;
	const sockets = new Set();
	// No Nagle anywhere: on loopback it would add delayed-ACK waits (up to 40 ms) that a real link does not have.
	const track = (socket) => {
		if (socket.setNoDelay) socket.setNoDelay(true);
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
	};
	const toSandbox = (socket) => {
		const plain = net.connect(Number(upstream.port), upstream.hostname);
		track(plain);
		socket.pipe(plain).pipe(socket);
	};
	const terminator = useTls
		? tls.createServer({ key: cert.key, cert: cert.cert, minVersion: 'TLSv1.3' }, (socket) => {
				track(socket);
				toSandbox(socket);
			})
		: net.createServer((socket) => {
				track(socket);
				toSandbox(socket);
			});
	terminator.on('tlsClientError', (e) => process.env.LAGO_BENCH_DEBUG && console.error('tls', e.message));
	await new Promise((resolve) => terminator.listen(0, '127.0.0.1', resolve));

	let connections = 0;
	// Half-open sockets: an end is delivered, like data, after the delay, never ahead of the bytes before it.
	const proxy = net.createServer({ allowHalfOpen: true }, (client) => {
		connections++;
		track(client);
		client.setNoDelay(true);
		const server = net.connect({ port: terminator.address().port, host: '127.0.0.1', allowHalfOpen: true });
		server.setNoDelay(true);
		track(server);
		const oneWay = rttMs / 2;
		// The client's first byte leaves after the TCP handshake (1 RTT) and needs half a round trip to arrive.
		delayedPipe(client, server, oneWay, Date.now() + rttMs);
		delayedPipe(server, client, oneWay);
		client.on('error', () => server.destroy());
		server.on('error', () => client.destroy());
	});
	await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const url = `${useTls ? 'https' : 'http'}://127.0.0.1:${proxy.address().port}`;
	return {
		url,
		caFile: cert && cert.certFile,
		connections: () => connections,
		resetConnections: () => {
			connections = 0;
		},
		/**
		 * Resolves once every connection through the proxy has closed, so bytes still queued in it from one row (a
		 * client that was killed, a request in flight) cannot reach the sandbox after the next row has reset it.
		 * Resolves with the number still open if `timeoutMs` passes first.
		 */
		idle: async (timeoutMs = 30_000) => {
			const until = Date.now() + timeoutMs;
			while (sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
			return sockets.size;
		},
		stop: async () => {
			for (const s of sockets) s.destroy();
			await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => terminator.close(r))]);
			if (cert) fs.rmSync(cert.dir, { recursive: true, force: true });
		},
	};
}

module.exports = { startNetwork, makeCertificate };
