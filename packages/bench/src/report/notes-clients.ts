/** Notes of the benchmarks that call echo instances: data path, failover, balancing, micro. */
import { num } from "../lib/format.js";
import type { BenchRecord } from "../lib/results.js";
import { join, setting, settingValue } from "./note-values.js";
import type { BenchNotes } from "./notes.js";

/** The mesh policy's retry attempts, as the run recorded its policy. */
function retryAttempts(r: BenchRecord): string {
  const policy = r.params.policy as { retry?: { maxAttempts?: number } } | undefined;
  const n = policy?.retry?.maxAttempts;
  return n === undefined ? "n/a" : num(n);
}

function cores(r: BenchRecord): string {
  return num(r.machine.cpus);
}

const dataPath: BenchNotes = {
  method: (r) =>
    join(
      `One control-plane process (in-memory store) and ${setting(r, "instances")} echo instances,`,
      "each in a process of its own, registered under two services: one with the mesh policy of (c),",
      "one left at the default policy (for (c0)). Every stack calls these same instances, each from",
      `a client process of its own (${setting(r, "clientProcesses")} in all). Only one client process`,
      "loads the instances at a time; each round runs every stack once (the starting stack rotates",
      "from round to round), first closed-loop (a fixed number of calls in flight, for throughput),",
      "then open-loop (calls started on a fixed schedule whatever the answers do; latency measured",
      "from the scheduled start, so a stall is charged to every call behind it: no coordinated",
      "omission). CPU per 1,000 calls is the client process's own user + system time",
      "(process.cpuUsage) over the open-loop run, divided by its calls. (b) is the baseline: one",
      "grpc-js channel whose target lists the instances' addresses (a static ipv4: target) with the",
      "round_robin policy in its service config. Ratios and differences to (b) are taken within each",
      "round, then the median over rounds is shown with the smallest and largest round in brackets.",
      "The mesh policy of (c) is set through the Admin API: peak_ewma, a service circuit breaker and",
      `retries (${retryAttempts(r)} attempts on UNAVAILABLE, within the retry budget); every mesh call`,
      "also records the SDK's stats and prom-client metrics. (c0) is the same mesh client on the",
      "service with no policy (round_robin, no breaker, no retries). (d) is what a user writes by",
      "hand: cockatiel retry on UNAVAILABLE with exponential backoff around a consecutive-failure",
      "breaker around each call of a grpc-js round_robin channel.",
    ),
  meaning: (r) =>
    join(
      "(b) is grpc-js balancing over the same instances on its own, so the × (b) columns are what",
      "Switchboard adds on top of a balanced grpc-js channel: (c0) the mesh plumbing alone",
      "(resolver, balancer, stats and metrics), (c) with the policy as well. (d) compares the mesh",
      `with the hand-written alternative. On this machine (${cores(r)} cores) the client process`,
      "and the instances share the cores, so throughput is bounded by the client's CPU per call;",
      "CPU per call is the steadiest figure here, latency percentiles move with every pause of the",
      "machine.",
    ),
  whenMissed: () =>
    join(
      "A ratio whose spread (in brackets) straddles the target is not settled by the run. What the",
      "mesh adds per call was found by profiling the client processes (`pnpm bench data-path",
      "--cpu-prof DIR`, then `node packages/bench/dist/profile-summary.js FILE`): the SDK's own code",
      "is a small share of the mesh client's CPU; the larger part is grpc-js machinery that the",
      "mesh's service config switches on (a retry policy sends every call through grpc-js's",
      "RetryingCall, with message buffering and commit, and the config selector adds a dynamic",
      "filter per call), which is why (c) costs more than (c0). Every call is also recorded into",
      "the SDK's stats and into prom-client (`MethodRecord.record` in packages/sdk/src/client),",
      "which hashes the label set on each `inc` and `observe`; counting into plain fields and",
      "handing them to prom-client at scrape time would remove that cost.",
    ),
};

const failover: BenchNotes = {
  method: (r) =>
    join(
      `${setting(r, "instances")} echo instances, each in a process of its own, and a client process`,
      "under closed-loop load (each call with a deadline); part way through, one instance fails in",
      "one of two ways: the orchestrator SIGKILLs its process (its sockets close at once), or the",
      "instance stays up with its connections open and answers every call UNAVAILABLE, as an",
      "instance whose own dependency is down does. Each run starts fresh processes and a service",
      "of its own; faults and clients rotate round after round. Compared: the mesh with the",
      "data-path policy plus per-endpoint outlier ejection at its defaults (retries:",
      `${retryAttempts(r)} attempts on UNAVAILABLE), grpc-js round_robin`,
      "over the instances' addresses, and the same channel with grpc-js's own retryPolicy in its",
      "service config (the same attempts and backoff as the mesh policy, on UNAVAILABLE). Failed",
      "calls are the calls that reached the caller with an error. Which calls still reached the",
      "failed instance is counted by the instance itself: every echo instance records the time of",
      "every call it answers or refuses, and reports its record at the end of the run; a killed",
      "process receives nothing and reports nothing.",
    ),
  meaning: () =>
    join(
      "A SIGKILL closes the instance's sockets, so grpc-js sees the connection drop at once: calls",
      "in flight on it fail with UNAVAILABLE and its subchannel leaves the picker. Plain",
      "round_robin hands those failures to the caller; the mesh and grpc-js's retryPolicy retry",
      "them on another instance. An instance that answers UNAVAILABLE keeps its connection, so",
      "round_robin keeps sending it its share of the calls for as long as it fails: retries hide",
      "the failures from the caller, but not the load on the failing instance. The last columns",
      "show whether, and how soon, a client stops sending calls to it; a time close to the length",
      "of the run after the fault means the calls never stopped.",
    ),
  whenMissed: () =>
    join(
      "The run logs the first failure messages of each run with their time. A failed mesh call",
      "that started before a kill and ended 'Connection dropped' is a call cut before its answer",
      "arrived; any other kind points at the retry budget or the deadline (see the policy in",
      "packages/bench/src/benches). Calls still reaching an instance that answers UNAVAILABLE",
      "mean the mesh's per-endpoint outlier ejection did not take it out of rotation: see its",
      "policy (outlier_detection and the circuit breaker's failure triggers).",
    ),
};

const lbQuality: BenchNotes = {
  method: (r) =>
    join(
      `${setting(r, "instances")} echo instances (${setting(r, "serverProcesses")} processes), all`,
      `answering after a timer of ${setting(r, "fastMs")} ms but one, which answers after`,
      `${setting(r, "slowMs")} ms; one mesh client process sends ${setting(r, "rate")} calls per`,
      "second on a fixed schedule (open loop, latency from the scheduled start). The algorithm is",
      "switched live through the Admin API before each run, and the run starts after the client",
      "reports the new policy version and a warm-up; algorithms rotate round after round. The",
      "service times are tens of milliseconds, as real services have, so that the percentiles",
      "measure the balancing and not the machine's own scheduling noise. Then two fairness cases",
      "of peak_ewma: two equal instances called one call at a time (they must share), and an",
      "instance restarted among equals (it must take its share soon).",
    ),
  meaning: (r) =>
    join(
      `Round robin sends one call in ${setting(r, "instances")} to the slow instance, so its P99 is`,
      "that instance's latency. least_request avoids it through its longer queue of calls in",
      "flight, but power of two choices still lands on it whenever both candidates are busy",
      "alike; peak_ewma avoids it through its latency average, and probes it again only once that",
      "average has decayed.",
    ),
  whenMissed: (r) => {
    const slowMs = settingValue(r, "slowMs");
    const runMs = settingValue(r, "durationMs");
    const share = num((slowMs / runMs) * 100, 1);
    return join(
      "Look first at the 'calls to the slow instance' column: it is what the algorithm controls.",
      "Once peak_ewma's share is under the hundredth a P99 allows, the P99 is set by the fast",
      "instances alone, and with them by the machine's scheduling noise. The load is open-loop,",
      "so one stall of the client or server processes as long as the slow instance's latency",
      `(${num(slowMs)} ms) delays every call scheduled meanwhile: ${share} % of a run of`,
      `${num(runMs)} ms, enough to set that round's P99 (and a P99.9 above the slow instance's`,
      "latency gives it away). The spread in brackets shows such rounds. peak_ewma counts every",
      "answer with a minimum weight (`EndpointLoad.onCallEnded` in",
      "packages/sdk/src/balancer/endpoint-load.ts), so a busy endpoint recovers from a single",
      "slow answer within a few dozen answers; the row with a shorter decay",
      "(load_balancing.ewma_decay_ms) shows the same algorithm reacting faster.",
    );
  },
};

const micro: BenchNotes = {
  method: (r) =>
    join(
      "Each operation in a tight loop in a process of its own, after a warm-up; rounds interleave",
      `the operations. Balancers pick among ${setting(r, "endpoints")} endpoints with live load`,
      "figures; the breaker, token bucket and retry budget use the policy defaults and the",
      "monotonic clock the SDK uses.",
    ),
  meaning: () => "These are the per-call state machines of the SDK, without grpc-js around them.",
  whenMissed: () => "",
};

export const CLIENT_NOTES: Readonly<Record<string, BenchNotes>> = {
  "data-path": dataPath,
  failover,
  "lb-quality": lbQuality,
  micro,
};
