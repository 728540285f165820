/** An echo server in a process of its own, so a test can SIGKILL it: prints its port as one
 * JSON line ({"port": N}) once it listens, then serves until it is killed. */
import { startEchoServer } from "../helpers/xds.js";

const server = await startEchoServer();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
