#!/usr/bin/env node
// A pass-through proxy in front of Prism that records what Prism found wrong.
//
// With --errors Prism answers a request violation with 422 and a response violation with 500, and puts the
// details only in the answer (a problem+json body with a `validation` array, or the `sl-violations`
// header); its log says just "Invalid request". build.ps1 points the wire tests at this tap so that each
// violation's details land in a JSON-lines file it can print next to the line Prism logged.
//
// Usage: node tap.js <listen-port> <prism-port> <jsonl-file>
// Prints "TAP_LISTENING=<port>" once it accepts connections. Bodies that carry no violation are streamed
// through untouched (server-sent events included).
'use strict';
const http = require('http');
const fs = require('fs');

const [listenPort, prismPort, logFile] = process.argv.slice(2);
if (!listenPort || !prismPort || !logFile) {
  console.error('usage: node tap.js <listen-port> <prism-port> <jsonl-file>');
  process.exit(2);
}
const log = fs.createWriteStream(logFile, { flags: 'a' });

function record(entry) {
  log.write(JSON.stringify(entry) + '\n');
}

const server = http.createServer((req, res) => {
  const upstream = http.request(
    { host: '127.0.0.1', port: Number(prismPort), method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      const header = answer.headers['sl-violations'];
      const problem = /problem\+json/i.test(answer.headers['content-type'] || '');
      if (!header && !problem) {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks = [];
      answer.on('data', (c) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        let violations = [];
        let title = '';
        try { if (header) violations = JSON.parse(header); } catch { violations = [{ message: String(header) }]; }
        if (problem) {
          try {
            const parsed = JSON.parse(body.toString('utf8'));
            title = `${parsed.type || ''} ${parsed.title || ''}`.trim();
            if (Array.isArray(parsed.validation) && violations.length === 0) violations = parsed.validation;
            if (violations.length === 0 && parsed.detail) violations = [{ message: parsed.detail }];
          } catch { /* not JSON after all: keep what the header said */ }
        }
        record({ method: req.method, url: req.url, status: answer.statusCode, title, violations });
        res.writeHead(answer.statusCode, answer.headers);
        res.end(body);
      });
    });
  upstream.on('error', (err) => {
    record({ method: req.method, url: req.url, status: 502, title: 'tap: Prism unreachable', violations: [{ message: err.message }] });
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`tap: ${err.message}`);
  });
  req.pipe(upstream);
});

server.listen(Number(listenPort), '127.0.0.1', () => {
  console.log(`TAP_LISTENING=${server.address().port}`);
});
