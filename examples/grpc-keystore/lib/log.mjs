// Logs go to stderr, one JSON object a line, so stdout carries only the "listening on" line.
// Nothing logged here ever contains a value or TLS key material.

function write(level, msg) {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg })}\n`);
}

export const log = {
  info: (msg) => write("info", msg),
  warn: (msg) => write("warn", msg),
  error: (msg) => write("error", msg),
};
