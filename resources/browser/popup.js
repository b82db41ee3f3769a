// The toolbar popup: Tether's downloads with their progress, pause/resume, "Open Tether".
import { formatBytes, percent, popupJobs } from "./logic.js";
import { callHost } from "./native.js";

const list = document.getElementById("jobs");
const status = document.getElementById("status");

function say(text, error = false) {
  status.textContent = text;
  status.className = error ? "error" : "";
}

function row(job) {
  const li = document.createElement("li");
  li.className = `state-${job.state}`;
  li.dataset.id = String(job.id);
  const top = document.createElement("div");
  top.className = "row";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = job.file_name || job.url;
  name.title = job.url;
  top.append(name);
  if (["downloading", "queued", "retrying"].includes(job.state)) {
    top.append(button("Pause", () => callHost("pause", { id: job.id })));
  } else if (["paused", "failed"].includes(job.state)) {
    top.append(button("Resume", () => callHost("resume", { id: job.id })));
  }
  const bar = document.createElement("div");
  bar.className = "bar";
  bar.append(document.createElement("div"));
  const meta = document.createElement("div");
  meta.className = "meta";
  li.append(top, bar, meta);
  fillIn(li, job);
  return li;
}

/** The parts of a row that change while a job runs: its bar and its line of figures. */
function fillIn(li, job) {
  const p = percent(job);
  li.querySelector(".bar > div").style.width = `${p ?? 0}%`;
  const size = job.size ? ` of ${formatBytes(job.size)}` : "";
  const tail = job.state === "failed" && job.error ? ` — ${job.error}` : "";
  li.querySelector(".meta").textContent = `${job.state} · ${formatBytes(job.done || 0)}${size}${p === null ? "" : ` · ${p}%`}${tail}`;
}

// Rows are updated in place and rebuilt only when their buttons change: replacing the whole
// list every second could swallow a click that landed between two refreshes.
const rows = new Map(); // job id → {li, key}

function render(jobs) {
  const ordered = jobs.map((job) => {
    const key = `${job.state}|${job.file_name}|${job.url}`;
    let entry = rows.get(job.id);
    if (!entry || entry.key !== key) {
      entry = { li: row(job), key };
      rows.set(job.id, entry);
    } else {
      fillIn(entry.li, job);
    }
    return entry.li;
  });
  const shown = new Set(jobs.map((job) => job.id));
  for (const id of [...rows.keys()]) if (!shown.has(id)) rows.delete(id);
  const current = Array.from(list.children);
  if (current.length !== ordered.length || current.some((li, i) => li !== ordered[i])) {
    list.replaceChildren(...ordered);
  }
}

function button(text, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", async () => {
    try {
      await action();
      await refresh();
    } catch (err) {
      say(err.message, true);
    }
  });
  return b;
}

async function refresh() {
  try {
    const result = await callHost("list");
    const jobs = popupJobs(result.jobs);
    render(jobs);
    const running = result.jobs.filter((j) => j.state === "downloading").length;
    say(jobs.length ? `${running} downloading, ${result.total} in the queue` : "No downloads yet");
  } catch (err) {
    render([]);
    say(err.name === "not_running" ? "Tether is not running; it starts with the next download." : `Tether cannot be reached: ${err.message}`, err.name !== "not_running");
  }
}

document.getElementById("open").addEventListener("click", async () => {
  try {
    await callHost("open");
    window.close();
  } catch (err) {
    say(`Tether cannot be reached: ${err.message}`, true);
  }
});

refresh();
setInterval(refresh, 1000);
