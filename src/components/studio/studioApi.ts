/**
 * The pages' side of the studio server (loaders/studio/server.ts, `npm start`). The token comes from the URL the server
 * printed (`?token=…`) and is kept in sessionStorage for the tab's other pages. Without a token (a static build, a
 * report) nothing is requested at all and `studioServer()` resolves to null, so the pages show the CLI command instead.
 */
const STORAGE_KEY = "dschat-studio-token";
const TOKEN_HEADER = "X-Studio-Token";

export interface StudioStatus {
  studio: "dschat-studio";
  target: "emulator" | "sagemaker";
  simulated: boolean;
  region: string;
  emulator_url: string | null;
  watching: string[];
}

function readToken(): string | null {
  try {
    const fromUrl = new URL(location.href).searchParams.get("token");
    if (fromUrl) sessionStorage.setItem(STORAGE_KEY, fromUrl);
    return fromUrl ?? sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled
  }
}

let probe: Promise<StudioStatus | null> | null = null;

/** The server's status when the page runs under the studio server with a valid token; null otherwise. */
export function studioServer(): Promise<StudioStatus | null> {
  probe ??= (async () => {
    const token = readToken();
    if (!token) return null;
    try {
      const response = await fetch(new URL("/api/status", location.origin), {headers: {[TOKEN_HEADER]: token}, cache: "no-store"});
      if (!response.ok) return null;
      const status = (await response.json()) as StudioStatus;
      return status.studio === "dschat-studio" ? status : null;
    } catch {
      return null;
    }
  })();
  return probe;
}

/** A GET (`body` undefined) or a POST with a JSON body; an error answer throws with the server's message and fix. */
export async function callStudio<T>(path: string, body?: unknown): Promise<T> {
  const token = readToken();
  if (!token) throw new Error("no studio token: open the URL that 'npm start' printed");
  const response = await fetch(new URL(path, location.origin), {
    method: body === undefined ? "GET" : "POST",
    headers: {[TOKEN_HEADER]: token, ...(body === undefined ? {} : {"Content-Type": "application/json"})},
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store"
  });
  const answer = (await response.json().catch(() => null)) as {error?: {message: string}} | null;
  if (!response.ok) throw new Error(answer?.error?.message ?? `the studio answered ${response.status}`);
  return answer as T;
}
