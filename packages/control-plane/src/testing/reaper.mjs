// Holds one child that cannot watch its parent itself (redis-server, a process that may be
// frozen with SIGSTOP), and ends it when the parent that started this reaper dies, however it
// dies. Usage (a ChildTracker starts it): node reaper.mjs <command> [args...], with the parent's
// pipe on the file descriptor SWITCHBOARD_PARENT_PIPE_FD.
//
// - writes the held child's pid as one line on that pipe, so the parent signals the child itself;
// - stdin, stdout and stderr are the child's (inherited);
// - exits as the child exits (the same code, or the same signal);
// - SIGTERM / SIGINT / SIGHUP sent to the reaper are passed to the child;
// - when the parent's end of the pipe closes: SIGCONT and SIGTERM to the child, SIGKILL after
//   PARENT_GONE_GRACE_MS.
import { spawn } from "node:child_process";
import { Socket } from "node:net";

const PARENT_GONE_GRACE_MS = 2000;

const fd = Number(process.env.SWITCHBOARD_PARENT_PIPE_FD);
delete process.env.SWITCHBOARD_PARENT_PIPE_FD;
const [command, ...args] = process.argv.slice(2);
if (!command || !Number.isInteger(fd) || fd <= 2) {
  process.stderr.write(
    "reaper: usage: SWITCHBOARD_PARENT_PIPE_FD=<fd> node reaper.mjs <command> [args...]\n",
  );
  process.exit(2);
}

const child = spawn(command, args, { stdio: "inherit" });
const pipe = new Socket({ fd, readable: true, writable: true });

function signalChild(signal) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // already gone
  }
}

let parentGone = false;
const onParentGone = () => {
  if (parentGone) return;
  parentGone = true;
  signalChild("SIGCONT");
  signalChild("SIGTERM");
  setTimeout(() => signalChild("SIGKILL"), PARENT_GONE_GRACE_MS).unref();
};
pipe.on("data", () => undefined);
pipe.on("end", onParentGone);
pipe.on("close", onParentGone);
pipe.on("error", onParentGone);

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => signalChild(signal));

child.once("error", (error) => {
  process.stderr.write(`reaper: could not start ${command}: ${error.message}\n`);
  process.exit(127);
});
child.once("spawn", () => pipe.write(`${child.pid}\n`));
child.once("exit", (code, signal) => {
  pipe.destroy();
  if (signal === null) process.exit(code ?? 1);
  // Die of the same signal, so the parent sees what the child saw.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
