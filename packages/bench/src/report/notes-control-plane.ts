/** Notes of the control-plane benchmarks: native and xDS fan-out, write path. */
import type { BenchRecord } from "../lib/results.js";
import { join, setting, settingList } from "./note-values.js";
import type { BenchNotes } from "./notes.js";

function fanoutMethod(r: BenchRecord, streams: string): string {
  return join(
    "Control-plane processes on one redis-server (spawned by the harness, one key prefix per case);",
    `the subscribers are ${streams} opened by ${setting(r, "loadProcesses")} load processes, up to`,
    `${setting(r, "streamsPerConnection")} streams on each HTTP/2 connection, the connections`,
    "spread evenly over the replicas. A change is one endpoint registered (or deregistered)",
    "through the Registration API of the first replica; the clock starts just before that call",
    "and stops when the last stream has the change (the time of the first and of the median",
    "stream are shown too). Changes are made one at a time, each after the previous one reached",
    `every stream; warm-up changes (${setting(r, "warmupChanges")}) come first and are not counted`,
    "(V8 compiles the load processes' decode-and-ack path over them). Fresh control planes are started for each case",
    "and round. CP CPU per change is the CPU time of every replica together from the change",
    "until the last stream had it (10 ms ticks, from /proc); Redis CPU per change is",
    "redis-server's own used_cpu_sys + used_cpu_user (INFO cpu) over the same span. RSS per",
    "subscriber is the growth of the replicas' resident sets from before the first stream to",
    "after the last first response, divided by the subscribers.",
  );
}

function oneReplicaSizes(r: BenchRecord): string {
  const sizes = r.params.sizes;
  if (!Array.isArray(sizes) || sizes.length === 0) return "";
  return `${settingList(r, "sizes")} subscribers run on one replica;`;
}

const fanout: BenchNotes = {
  method: (r) =>
    join(
      fanoutMethod(
        r,
        "raw Discovery Watch streams, each saying hello, subscribing to one service and acking every response as the SDK does,",
      ),
      oneReplicaSizes(r),
      `${setting(r, "scaleOut")} subscribers run on ${settingList(r, "scaleOutReplicas")} replicas,`,
      "to show what replicas cost.",
    ),
  meaning: () =>
    join(
      "The P99 columns are over every change of every round (with few changes, P99 is close to the",
      "worst change). The time is end to end: the registration's write to Redis, the change",
      "stream read back by every replica, the encoding (once per version and replica, shared by",
      "its streams), the writes to every stream, and the load processes reading them. Each",
      "replica tails the same Redis change stream and publishes its own subscriber table, so",
      "Redis CPU per change grows with the replicas, not with the subscribers; the replicas split",
      "the per-stream work between them.",
    ),
  whenMissed: () =>
    join(
      "Profile of the control plane (`pnpm bench fanout --cpu-prof DIR`). The subscriber table",
      "is built and encoded a slice of rows at a time with a yield to the event loop between",
      "slices (`SubscriberTablePublisher` in packages/control-plane/src/hub/subscriber-table.ts),",
      "at a rate bounded by its own cost, so it does not hold up a change. What remains is the",
      "fan-out itself, per-subscriber work on one event loop: one grpc-js write per stream",
      "(`WatchSession.writeNextChange` → HTTP/2 frame) and one decode per ack, split between",
      "grpc-js, Node's HTTP/2 layer and garbage collection; the 'CP CPU per change' column is that",
      "cost, and it bounds the time to the last subscriber on one core. The load processes that",
      "receive and ack share the machine's cores with the control plane and Redis, so the",
      "measured time includes their share too. More subscribers per region means more replicas",
      "(each tails the same change stream), not a faster replica: compare the rows of the",
      "scale-out size.",
    ),
};

const xdsFanout: BenchNotes = {
  method: (r) =>
    join(
      fanoutMethod(
        r,
        "raw ADS streams (state of the world), each asking for the Listener, RouteConfiguration, Cluster and ClusterLoadAssignment of one service as a proxyless gRPC client of xds:/// does, and acking every response (an endpoint change is one more ClusterLoadAssignment response; its time is when the stream's ACK is written),",
      ),
      `The same number of native Discovery Watch streams runs beside them (${settingList(r, "sizes")}),`,
      "rounds interleaved, so the two rows compare the protocols on the same machine at the same",
      "moment. The load client decodes only the head of each response (version, type, nonce), so",
      "its own CPU stays small beside the control plane's.",
    ),
  meaning: () =>
    join(
      "Both protocols are fed by the same hub: a change is rendered once per version and shared",
      "by every stream of its kind. An ADS stream costs more than a Watch stream: four resource",
      "types, each response a google.protobuf.Any encoded by proto-loader, and a digest per type",
      "to tell whether its content changed.",
    ),
  whenMissed: () =>
    join(
      "Compare the xDS row with the native row of the same size: the difference is the per-stream",
      "cost of xDS encoding (`AdsStream.nextResponse` in packages/control-plane/src/xds). Profile",
      "with `pnpm bench xds-fanout --cpu-prof DIR`.",
    ),
};

const writePath: BenchNotes = {
  method: (r) =>
    join(
      "One control-plane process on a real redis-server (spawned by the harness), loaded by",
      `${setting(r, "loadProcesses")} load processes. Keep-alives: every load process registers its`,
      "leases first, then renews them on KeepAlive streams, each stream keeping a fixed window of",
      "renewals in flight (several leases per stream, as the SDK's keep-alive does). Registrations:",
      "Register calls at a fixed concurrency, re-registering a pool of endpoints, each one a full",
      "registration (lease, endpoint record, version bump, change record). The two runs alternate",
      "round after round. Latency is per request, from send to answer. CPU columns are the control",
      "plane's and redis-server's CPU time over the run (from /proc) as a percentage of one core.",
    ),
  meaning: () =>
    join(
      "A renewal without a health change is one Lua script that updates one sorted-set score, so",
      "the rate is bounded by the control plane's per-message cost (gRPC stream decode and",
      "encode, one Redis command each) and by the cores it shares with the load processes and",
      "Redis.",
    ),
  whenMissed: (r) =>
    join(
      "The 'control-plane CPU µs per op' column bounds one process: a fully busy core does at most",
      "a million divided by it per second. Renewals that arrive in the same event-loop turn,",
      "across streams, go to Redis as one `renew_many` Lua call (`RenewBatcher` in",
      "packages/control-plane/src/services/keep-alive.ts), and each stream is answered in order",
      "from its result. What bounds the measured rate is the machine: the load processes that",
      "generate the renewals need more CPU per renewal than the control plane that serves them,",
      `and they share the machine's ${r.machine.cpus} cores with it and with Redis, so the control`,
      "plane never reaches a full core (see its CPU column). Registrations cost more than",
      "renewals: a full registration script, a log line each, and reading their own change back",
      "from the change stream.",
    ),
};

export const CONTROL_PLANE_NOTES: Readonly<Record<string, BenchNotes>> = {
  fanout,
  "xds-fanout": xdsFanout,
  "write-path": writePath,
};
