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
  const fill = document.createElement("div");
  const p = percent(job);
  fill.style.width = `${p ?? 0}%`;
  bar.append(fill);
  const meta = document.createElement("div");
  meta.className = "meta";
  const size = job.size ? ` of ${formatBytes(job.size)}` : "";
  const tail = job.state === "failed" && job.error ? ` — ${job.error}` : "";
  meta.textContent = `${job.state} · ${formatBytes(job.done || 0)}${size}${p === null ? "" : ` · ${p}%`}${tail}`;
  li.append(top, bar, meta);
  return li;
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
    list.replaceChildren(...jobs.map(row));
    const running = result.jobs.filter((j) => j.state === "downloading").length;
    say(jobs.length ? `${running} downloading, ${result.total} in the queue` : "No downloads yet");
  } catch (err) {
    list.replaceChildren();
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
