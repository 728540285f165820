// Loaded with `node --import` into every Node child a ChildTracker starts (plain JavaScript, so
// it runs the same from src/ and dist/, with or without a TypeScript loader). The tracker hands
// the child one end of a pipe, on the file descriptor named by SWITCHBOARD_PARENT_PIPE_FD, and
// keeps the other; when the parent dies, however it dies (SIGKILL included), the kernel closes
// its end and this child stops: SIGTERM to itself (its own graceful stop), then exit after
// PARENT_GONE_GRACE_MS at the latest.
import { Socket } from "node:net";

/** How long a child whose parent is gone may take over its graceful stop. */
export const PARENT_GONE_GRACE_MS = 2000;
/** Exit code of a child that stopped because its parent was gone (and had to be forced). */
const PARENT_GONE_EXIT_CODE = 137;

const fd = Number(process.env.SWITCHBOARD_PARENT_PIPE_FD);
// The child's own children get pipes of their own, never this one.
delete process.env.SWITCHBOARD_PARENT_PIPE_FD;

if (Number.isInteger(fd) && fd > 2) {
  const pipe = new Socket({ fd, readable: true, writable: false });
  let gone = false;
  const parentGone = () => {
    if (gone) return;
    gone = true;
    setTimeout(() => process.exit(PARENT_GONE_EXIT_CODE), PARENT_GONE_GRACE_MS).unref();
    process.kill(process.pid, "SIGTERM");
  };
  pipe.on("data", () => undefined);
  pipe.on("end", parentGone);
  pipe.on("close", parentGone);
  pipe.on("error", parentGone);
  // Watching the pipe never keeps the child alive by itself.
  pipe.unref();
}
