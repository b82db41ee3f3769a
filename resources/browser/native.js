// Talking to Tether: one native messaging request per call (the browser starts
// `tether native-host`, which relays to Tether's service, starting it for `add`).
import { HOST } from "./logic.js";

export const api = globalThis.browser ?? globalThis.chrome;

let nextId = 1;

/** The host's result for `method`, or an Error with its one-line message. */
export async function callHost(method, params = {}) {
  const reply = await api.runtime.sendNativeMessage(HOST, { id: nextId++, method, params });
  if (!reply) throw new Error("no answer from Tether");
  if (reply.error) {
    const err = new Error(reply.error.message || "Tether refused the request");
    err.name = reply.error.name || "error";
    throw err;
  }
  return reply.result;
}

export async function loadRules() {
  const got = await api.storage.local.get("rules");
  return got.rules || {};
}
