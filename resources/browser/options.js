// The options page: capture rules (kept in storage.local) and a connection status line.
import { normalizeRules } from "./logic.js";
import { api, callHost, loadRules } from "./native.js";

const $ = (id) => document.getElementById(id);

async function showStatus() {
  const line = $("status");
  try {
    const s = await callHost("status");
    line.textContent = s.running
      ? `Connected to Tether ${s.host}: its service is running.`
      : `Connected to Tether ${s.host}: its service starts with the next download.`;
    line.className = "";
  } catch (err) {
    line.textContent = `Tether cannot be reached (${err.message}). Install Tether, then run \`tether browser install\`.`;
    line.className = "error";
  }
}

async function load() {
  const rules = normalizeRules(await loadRules());
  $("enabled").checked = rules.enabled;
  $("minSize").value = String(rules.minSize / 1e6);
  $("types").value = rules.types;
  $("never").value = rules.never;
  $("always").value = rules.always;
  $("bypassKey").value = rules.bypassKey;
}

$("rules").addEventListener("submit", async (event) => {
  event.preventDefault();
  const rules = normalizeRules({
    enabled: $("enabled").checked,
    minSize: Math.round(Number($("minSize").value || 0) * 1e6),
    types: $("types").value,
    never: $("never").value,
    always: $("always").value,
    bypassKey: $("bypassKey").value,
  });
  await api.storage.local.set({ rules });
  $("saved").textContent = "Saved.";
});

load();
showStatus();
