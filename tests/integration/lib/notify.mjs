// A systemd notification socket for tests: what sd_notify() sends to $NOTIFY_SOCKET
// (a Unix datagram socket) without systemd. Node's dgram has no AF_UNIX, so a tiny
// python3 process binds the socket and prints each datagram as one JSON line.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LISTENER = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
print(json.dumps("bound"), flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
`;

/**
 * Starts listening; resolves to {path, messages, waitFor(pred, ms), close()}.
 * messages: every datagram received so far (strings like "READY=1\nSTATUS=…").
 */
export async function notifySocket() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantd-notify-'));
  chmodSync(dir, 0o755); // a service running as another user must reach the socket
  const socketPath = path.join(dir, 'notify.sock');
  const child = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages = [];
  const waiters = [];
  let buffered = '';
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`notify listener exited ${code}`)));
    child.stdout.on('data', (d) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (line === 'bound') { resolve(); continue; }
        messages.push(line);
        for (const w of waiters.splice(0)) w();
      }
    });
  });
  const waitFor = (pred, ms = 10000) => new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const check = () => {
      const found = messages.find(pred);
      if (found) return resolve(found);
      if (Date.now() > deadline) return reject(new Error(`no matching notification; got ${JSON.stringify(messages)}`));
      waiters.push(check);
      setTimeout(() => { const i = waiters.indexOf(check); if (i >= 0) { waiters.splice(i, 1); check(); } }, 100);
    };
    check();
  });
  const close = () => {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  return { path: socketPath, dir, messages, waitFor, close };
}
