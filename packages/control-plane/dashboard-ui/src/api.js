// The page's calls to /api/: JSON reads, and actions carrying the session's CSRF token.

let csrf = "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(response) {
  if (response.status === 401) {
    // The session ended (expired, or signed out elsewhere): the page shows the login form.
    window.location.assign("/");
    throw new ApiError(401, "UNAUTHENTICATED", "signed out");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = body.error ?? {};
    throw new ApiError(response.status, error.code ?? "UNKNOWN", error.message ?? response.statusText);
  }
  return body;
}

export async function getJson(path) {
  return answer(await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } }));
}

/** An action; `body` (optional) is sent as JSON. */
export async function post(path, body) {
  const headers = { accept: "application/json", "x-switchboard-csrf": csrf };
  if (body === undefined)
    return answer(await fetch(path, { method: "POST", credentials: "same-origin", headers }));
  headers["content-type"] = "application/json";
  return answer(
    await fetch(path, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) }),
  );
}

/** Reads the session (and keeps its CSRF token for the actions). */
export async function loadSession() {
  const session = await getJson("/api/session");
  csrf = session.csrf;
  return session;
}

export const paths = {
  services: () => "/api/services",
  service: (name) => `/api/services/${encodeURIComponent(name)}`,
  policy: (name) => `/api/services/${encodeURIComponent(name)}/policy`,
  routes: (name) => `/api/services/${encodeURIComponent(name)}/routes`,
  health: (name) => `/api/services/${encodeURIComponent(name)}/health`,
  subscribers: (service) => `/api/subscribers${service ? `?service=${encodeURIComponent(service)}` : ""}`,
  rollouts: () => "/api/rollouts",
  rollout: (name) => `/api/services/${encodeURIComponent(name)}/rollout`,
  rolloutAction: (name, verb) => `/api/services/${encodeURIComponent(name)}/rollout/${verb}`,
  endpointAction: (service, id, verb) =>
    `/api/services/${encodeURIComponent(service)}/endpoints/${encodeURIComponent(id)}/${verb}`,
};
