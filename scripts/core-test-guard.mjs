// Loaded (`--import`) into every file of the core test set (scripts/test-sets.mjs): a core test
// that starts a process or opens a socket, itself or through the code it tests (the Trivy runner,
// the registry client, a server), fails at that call and fails its file, with a message saying
// where it belongs. What the test runner and tsx need (pipes to the runner, module loading) is
// neither.
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

function refuse(what) {
  const error = new Error(
    `${what} in a core test: the core set (npm run test:core) starts no process and opens no socket. ` +
      'Import the harness it needs (test/support/…) so that scripts/test-sets.mjs puts the file in the integration set.',
  );
  // The call may be caught (a test expecting a failed fetch): the file fails all the same.
  process.exitCode = 1;
  process.stderr.write(`${error.stack}\n`);
  return error;
}

for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  childProcess[name] = () => {
    throw refuse(`child_process.${name}()`);
  };
}
net.Socket.prototype.connect = function connect() {
  throw refuse('a socket connection (net, http, fetch)');
};
net.Server.prototype.listen = function listen() {
  throw refuse('a server listening (net, http)');
};
dgram.Socket.prototype.bind = function bind() {
  throw refuse('a UDP socket');
};
dgram.Socket.prototype.send = function send() {
  throw refuse('a UDP socket');
};
// ES modules that import these by name see the replacements too.
syncBuiltinESMExports();
