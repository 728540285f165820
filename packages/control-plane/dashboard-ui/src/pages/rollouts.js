// Rollouts: every service's latest rollout, and one service's rollout in full (stage, gates,
// timeline, the operator's buttons) with a form that starts one.
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { getJson, paths, post } from "../api.js";
import { duration } from "../format.js";
import { useReload, useTicks } from "../live.js";
import { GATES, isActive, parseStages, rolloutState, stageOf } from "../rollout.js";
import { ErrorLine } from "./common.js";

/** How often a rollout is re-read while shown (its gate readings are not in the feed). */
export const ROLLOUT_POLL_MS = 2000;

export function RolloutsPage({ live }) {
  const ticks = useTicks(ROLLOUT_POLL_MS);
  const { data, error } = useReload(() => getJson(paths.rollouts()), [live.revision, ticks]);
  const rollouts = data?.rollouts ?? [];
  return html`
    <h2>Rollouts</h2>
    <${ErrorLine} error=${error} />
    ${
      data && rollouts.length === 0
        ? html`<p class="empty">No service has a rollout. A service's page starts one.</p>`
        : html`<table class="rollouts">
            <thead>
              <tr><th>Service</th><th>State</th><th>Stage</th><th>Driver</th><th>Fencing token</th><th>Started</th></tr>
            </thead>
            <tbody>
              ${rollouts.map(
                (r) => html`<tr data-rollout=${r.service}>
                  <td><a href=${`#/services/${encodeURIComponent(r.service)}`}>${r.service}</a></td>
                  <td class=${`state ${r.state}`}>${rolloutState(r.state)}</td>
                  <td>${stageOf(r)}</td>
                  <td>${r.driver || "—"}</td>
                  <td class="num">${r.fencingToken ?? 0}</td>
                  <td>${r.startedAt ? new Date(r.startedAt).toLocaleString() : "—"}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}

function Gates({ rollout }) {
  const readings = new Map((rollout.readings ?? []).map((r) => [r.gate, r]));
  return html`<table class="gates">
    <thead><tr><th>Gate</th><th>Measured</th><th>Limit</th><th></th></tr></thead>
    <tbody>
      ${GATES.map((g) => {
        const reading = readings.get(g.gate);
        return html`<tr data-gate=${g.gate} class=${reading?.crossed ? "crossed" : ""}>
          <td>${g.title}</td>
          <td class="num">${reading ? Number(reading.measured).toFixed(3) : "not measured yet"}</td>
          <td class="num">${reading?.limit ?? rollout.gates?.[g.limit] ?? "—"}</td>
          <td>${reading?.crossed ? "crossed" : reading ? "passing" : ""}</td>
        </tr>`;
      })}
    </tbody>
  </table>
  <p class="cohort">
    ${`Cohort: ${rollout.cohortClients ?? 0} clients, ${rollout.cohortCalls ?? 0} calls this stage; ${rollout.otherClients ?? 0} other clients.`}
  </p>`;
}

function Timeline({ rollout }) {
  const events = [...(rollout.events ?? [])].reverse();
  return html`<ol class="timeline">
    ${events.map(
      (e) => html`<li data-kind=${e.kind} class=${e.kind === "rolled_back" ? "rollback" : ""}>
        <time>${e.at ? new Date(e.at).toLocaleTimeString() : ""}</time>
        <strong>${e.kind}</strong> stage ${(e.stage ?? 0) + 1} ${e.detail ? html`— ${e.detail}` : null}
      </li>`,
    )}
  </ol>`;
}

function Actions({ service, rollout, onDone }) {
  const [error, setError] = useState(undefined);
  const act = (verb) => () => post(paths.rolloutAction(service, verb)).then(onDone, setError);
  const running = rollout.state === "ROLLOUT_STATE_RUNNING";
  return html`<p class="actions">
    ${running ? html`<button onClick=${act("pause")}>Pause</button>` : html`<button onClick=${act("resume")}>Resume</button>`}
    <button onClick=${act("promote")}>Promote</button>
    <button class="danger" onClick=${act("abort")}>Abort</button>
    <${ErrorLine} error=${error} />
  </p>`;
}

function StartForm({ service, onDone }) {
  const [policy, setPolicy] = useState('{\n  "timeoutMs": 250\n}');
  const [stages, setStages] = useState("10,50,100");
  const [holdMs, setHoldMs] = useState("60000");
  const [error, setError] = useState(undefined);
  const submit = (event) => {
    event.preventDefault();
    let body;
    try {
      body = { policy: JSON.parse(policy), stages: parseStages(stages, holdMs) };
    } catch (e) {
      setError({ message: e instanceof SyntaxError ? `policy: ${e.message}` : e.message });
      return;
    }
    post(paths.rolloutAction(service, "start"), body).then(() => {
      setError(undefined);
      onDone();
    }, setError);
  };
  return html`<form class="start-rollout" onSubmit=${submit}>
    <h4>Start a rollout</h4>
    <label>Candidate policy (JSON)<textarea name="policy" rows="5" value=${policy} onInput=${(e) => setPolicy(e.target.value)}></textarea></label>
    <label>Stages (percent)<input name="stages" value=${stages} onInput=${(e) => setStages(e.target.value)} /></label>
    <label>Hold (ms)<input name="hold" value=${holdMs} onInput=${(e) => setHoldMs(e.target.value)} /></label>
    <button type="submit">Start rollout</button>
    <${ErrorLine} error=${error} />
  </form>`;
}

/** The Rollout section of a service's page. */
export function RolloutSection({ service, live, readOnly }) {
  const [bump, setBump] = useState(0);
  const ticks = useTicks(ROLLOUT_POLL_MS);
  const reload = () => setBump((b) => b + 1);
  const { data, error } = useReload(
    () => getJson(paths.rollout(service)),
    [service, live.revision, bump, ticks],
  );
  const rollout = data?.rollout;
  const active = rollout ? isActive(rollout) : false;
  const stage = rollout?.stages?.[rollout.stage ?? 0];
  const held = rollout?.stageStartedAt ? Date.now() - Date.parse(rollout.stageStartedAt) : 0;
  return html`<div class="rollout" data-state=${rollout?.state ?? "none"}>
    <${ErrorLine} error=${error} />
    ${data && !rollout ? html`<p class="empty">No rollout yet.</p>` : null}
    ${
      rollout
        ? html`
          <p>
            <span class=${`state ${rollout.state}`}>${rolloutState(rollout.state)}</span>${" · "}<span class="stage">${stageOf(rollout)}</span>${active ? ` · held ${duration(held)} of ${duration(stage?.holdMs ?? 0)}` : ""}${` · driver ${rollout.driver || "none yet"} (fencing token ${rollout.fencingToken ?? 0})`}
          </p>
          ${rollout.reason ? html`<p class=${rollout.state === "ROLLOUT_STATE_ROLLED_BACK" ? "rollback" : ""}>Reason: ${rollout.reason}</p>` : null}
          ${active && !readOnly ? html`<${Actions} service=${service} rollout=${rollout} onDone=${reload} />` : null}
          <h4>Gates</h4>
          <${Gates} rollout=${rollout} />
          <h4>Timeline</h4>
          <${Timeline} rollout=${rollout} />`
        : null
    }
    ${data && !active && !readOnly ? html`<${StartForm} service=${service} onDone=${reload} />` : null}
  </div>`;
}
