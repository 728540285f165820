// Loaded with `node --import` into every Node child a ChildTracker starts (plain JavaScript, so
// it runs the same from src/ and dist/, with or without a TypeScript loader). The tracker hands
// the child one end of a pipe, on the file descriptor named by SWITCHBOARD_PARENT_PIPE_FD, and
// keeps the other; when the parent dies, however it dies (SIGKILL included), the kernel closes
// its end, and this child stops: SIGTERM (its own graceful stop), then SIGKILL after
// PARENT_GONE_GRACE_MS. The pipe is watched from a worker thread, so that a child whose main
// thread is blocked (a synchronous write to a stdout nobody reads any more) stops too.
import { Socket } from "node:net";
import { isMainThread, Worker, workerData } from "node:worker_threads";

/** How long a child whose parent is gone may take over its graceful stop. */
const PARENT_GONE_GRACE_MS = 2000;
const PIPE_FD_VARIABLE = "SWITCHBOARD_PARENT_PIPE_FD";
/** The watcher thread's workerData key. */
const WATCHER_FD = "switchboardParentPipeFd";

if (isMainThread) {
  const fd = Number(process.env[PIPE_FD_VARIABLE]);
  // The child's own children get pipes of their own, never this one.
  delete process.env[PIPE_FD_VARIABLE];
  if (Number.isInteger(fd) && fd > 2) {
    // Watching the pipe never keeps the child alive by itself. No preloads in the watcher thread
    // (this module among them, perhaps under another path: it would watch the pipe twice).
    const options = { workerData: { [WATCHER_FD]: fd }, execArgv: [], env: {}, stdout: false, stderr: false };
    new Worker(new URL(import.meta.url), options).unref();
  }
} else if (typeof workerData?.[WATCHER_FD] === "number") {
  // The watcher thread. (In the child's other worker threads, where `--import` runs too, nothing.)
  const pipe = new Socket({ fd: workerData[WATCHER_FD], readable: true, writable: false });
  let gone = false;
  const parentGone = () => {
    if (gone) return;
    gone = true;
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => process.kill(process.pid, "SIGKILL"), PARENT_GONE_GRACE_MS);
  };
  pipe.on("data", () => undefined);
  pipe.on("end", parentGone);
  pipe.on("close", parentGone);
  pipe.on("error", parentGone);
}
