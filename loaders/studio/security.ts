/**
 * The studio server's request checks, in one place: the studio listens on 127.0.0.1 only, so what remains is a web page
 * of another site driving the user's browser against it. Three checks answer that:
 * - Host must be the studio's own address (`127.0.0.1:<port>` or `localhost:<port>`): a DNS-rebinding page reaches the
 *   loopback port under its own host name, which this refuses, pages and API alike;
 * - Origin, when the browser sends one (every cross-site fetch, every POST), must be the studio's own origin;
 * - every API call carries the random token of this start in the `X-Studio-Token` header (a custom header: a cross-site
 *   page cannot send it without a CORS preflight, which the studio never grants), compared in constant time.
 * State-changing calls are POST with a JSON body (`Content-Type: application/json`, again a preflighted type).
 */
import {randomBytes, timingSafeEqual} from "node:crypto";
import type {IncomingMessage} from "node:http";

export const TOKEN_HEADER = "x-studio-token";

/** A fresh token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export interface Refusal {
  status: number;
  message: string;
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([...allowedHosts(port)].map((host) => `http://${host}`));
}

/** Host and Origin against the studio's own; null when the request may go on. Applies to every request and upgrade. */
export function checkSite(request: IncomingMessage, port: number): Refusal | null {
  const host = (request.headers.host ?? "").toLowerCase();
  if (!allowedHosts(port).has(host)) return {status: 421, message: `the Host ${JSON.stringify(host)} is not this studio's address (open http://127.0.0.1:${port}/)`};
  const origin = request.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) return {status: 403, message: `requests from the origin ${JSON.stringify(origin)} are refused: only the studio's own pages may call it`};
  return null;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The API's own checks on top of checkSite: the token, and POST with a JSON body for calls that change state. */
export function checkApiCall(request: IncomingMessage, token: string, {changesState}: {changesState: boolean}): Refusal | null {
  const given = request.headers[TOKEN_HEADER];
  if (typeof given !== "string" || !sameToken(given, token)) return {status: 401, message: `missing or wrong ${TOKEN_HEADER} header: open the studio with the URL that 'npm start' printed (it carries the token)`};
  if (changesState) {
    if (request.method !== "POST") return {status: 405, message: "this call changes state: use POST with a JSON body"};
    if (!/^application\/json(\s*;|$)/i.test(request.headers["content-type"] ?? "")) return {status: 415, message: "the body must be JSON (Content-Type: application/json)"};
  } else if (request.method !== "GET") return {status: 405, message: "use GET"};
  return null;
}
