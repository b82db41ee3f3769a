// Capture: a download the browser starts is paused, handed to Tether with its cookies,
// referrer and user agent, and cancelled in the browser only once Tether confirmed the add;
// when Tether cannot be reached the browser's download resumes (never lost).
// Context menu: a link, a media element, or all links in the selection.
import {
  addRequest,
  bypassHeld,
  Clicks,
  decide,
  HOST,
  pickFreshLink,
  rememberJob,
  uniqueLinks,
} from "./logic.js";
import { api, callHost, loadRules } from "./native.js";

const MENU_LINK = "tether-link";
const MENU_MEDIA = "tether-media";
const MENU_SELECTION = "tether-selection";

async function cookiesFor(url) {
  try {
    return await api.cookies.getAll({ url });
  } catch {
    return [];
  }
}

async function sendToTether(item) {
  const request = addRequest(item, await cookiesFor(item.url), navigator.userAgent);
  const result = await callHost(request.method, request.params);
  if (!result || !result.job) throw new Error("Tether did not queue the download");
  await remember(result.job, item);
  watch();
  return result.job;
}

// ---------------------------------------------------------------- expired links
// The jobs this browser handed over (no cookies: those stay in Tether's secret store), so an
// expired link can be re-captured from the page it came from.
async function remember(job, item) {
  if (!item.referrer) return;
  const got = await api.storage.local.get("jobs");
  const entry = { url: item.url, referrer: item.referrer, file_name: job.file_name || "" };
  await api.storage.local.set({ jobs: rememberJob(got.jobs, job.id, entry) });
}

let port = null;
let watching = false; // the host is subscribed to Tether's events
const tried = new Set(); // one re-capture per job and worker life: never a loop

/** Keep a port to the host open: it tells us when a job's link expired. */
function watch() {
  if (port) {
    port.postMessage({ id: 0, method: "watch" }); // Tether may have just started: look again
    return;
  }
  try {
    port = api.runtime.connectNative(HOST);
  } catch {
    port = null;
    return;
  }
  port.onMessage.addListener((message) => {
    if (message && message.event === "link_expired") recapture(message.job);
    // the window's "Refresh address…": the user asked, so even a job tried before
    else if (message && message.event === "recapture") recapture(message.job, true);
    else if (message && message.result) watching = message.result.watching === true;
  });
  port.onDisconnect.addListener(() => {
    port = null;
    watching = false;
  });
  port.postMessage({ id: 0, method: "watch" });
}

function loaded(tabId, timeoutMs = 30000) {
  return new Promise((resolve) => {
    const done = (ok) => {
      api.tabs.onUpdated.removeListener(listener);
      clearTimeout(timer);
      resolve(ok);
    };
    const listener = (id, change) => {
      if (id === tabId && change.status === "complete") done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    api.tabs.onUpdated.addListener(listener);
  });
}

function pageLinks() {
  return Array.from(document.querySelectorAll("a[href]"), (a) => a.href);
}

/** Open the job's page in a background tab, find the fresh link, give it to Tether. */
async function recapture(job, asked = false) {
  if (!job || (tried.has(job.id) && !asked)) return;
  const got = await api.storage.local.get("jobs");
  // the page Tether keeps for the job (sent when the user asks), else what this browser
  // remembers of a download it handed over
  const entry = job.referrer
    ? { url: job.url, referrer: job.referrer, file_name: job.file_name || "" }
    : (got.jobs || {})[String(job.id)];
  if (!entry || !entry.referrer) return noneFound(job, asked);
  tried.add(job.id);
  const tab = await api.tabs.create({ url: entry.referrer, active: false });
  let found = false;
  try {
    if (!(await loaded(tab.id))) return;
    const results = await api.scripting.executeScript({
      target: { tabId: tab.id },
      func: pageLinks,
    });
    const hrefs = results.flatMap((r) => r.result || []);
    const fresh = pickFreshLink(hrefs, entry.url, job.file_name || entry.file_name);
    if (!fresh) {
      console.warn("Tether: no fresh link for job", job.id, "on its page");
      return;
    }
    const request = addRequest(
      { url: fresh, referrer: entry.referrer },
      await cookiesFor(fresh),
      navigator.userAgent,
    );
    await callHost("refresh", { ...request.params, id: job.id });
    found = true;
    await remember({ id: job.id, file_name: job.file_name }, { url: fresh, referrer: entry.referrer });
  } catch (err) {
    console.warn("Tether: re-capture failed:", err.message);
  } finally {
    api.tabs.remove(tab.id).catch(() => {});
    if (!found) await noneFound(job, asked);
  }
}

/** The user asked ("Refresh Address…") and this browser has no fresh link: say so at once,
 * so the window's dialog need not wait out its timeout. */
async function noneFound(job, asked) {
  if (!asked) return;
  try {
    await callHost("recapture_none", { id: job.id });
  } catch (err) {
    console.warn("Tether: could not tell Tether no link was found:", err.message);
  }
}

watch();

/** Whether the browser holds the download paused (Firefox reports a paused download as
 * "interrupted" with `paused`, Chromium as "in_progress"), not finished or failed. */
async function heldPaused(id) {
  const [item] = await api.downloads.search({ id });
  return Boolean(item) && item.paused === true && item.state !== "complete";
}

/** Hand the download to Tether; true if it went, false if the browser keeps it. */
async function handOver(item) {
  try {
    await sendToTether(item);
  } catch (err) {
    console.warn("Tether: keeping the download in the browser:", err.message);
    return false;
  }
  try {
    await api.downloads.cancel(item.id);
    await api.downloads.erase({ id: item.id });
  } catch (err) {
    console.warn("Tether: could not cancel the browser's copy:", err.message);
  }
  return true;
}

// Links clicked with a modifier held (clicks.js, in every page): the bypass key lets the
// browser keep that download.
const clicks = new Clicks();
api.runtime.onMessage.addListener((message, sender) => {
  if (sender.id !== api.runtime.id || !message || message.type !== "tether-click") return;
  if (typeof message.url === "string") clicks.note(message.url, message.keys, Date.now());
});

/** `keys`: the click's modifiers, taken before any await (while the click is fresh). */
async function wanted(item, keys) {
  if (item.state && item.state !== "in_progress") return false;
  const rules = await loadRules();
  if (keys && bypassHeld(keys, rules)) return false;
  return decide(item, rules).capture;
}

if (api.downloads.onDeterminingFilename) {
  // Chromium: a download cannot complete while its file name is being determined, so the
  // decision is made before the browser could finish it, however small the file.
  api.downloads.onDeterminingFilename.addListener((item, suggest) => {
    (async () => {
      const keys = clicks.take(item, Date.now());
      if (!(await wanted(item, keys)) || !(await handOver(item))) suggest();
    })();
    return true; // suggest() comes later
  });
} else {
  // Firefox: pause at once (a small download must not finish while the rules load), then
  // decide; the browser's download resumes unless Tether took it.
  api.downloads.onCreated.addListener(async (item) => {
    if (item.state && item.state !== "in_progress") return;
    const keys = clicks.take(item, Date.now());
    const paused = api.downloads.pause(item.id).then(
      () => true,
      () => false, // it finished or failed first: the browser keeps it
    );
    const capture = await wanted(item, keys);
    if (!(await paused)) return;
    if (capture && (await heldPaused(item.id)) && (await handOver(item))) return;
    try {
      await api.downloads.resume(item.id);
    } catch {
      // it stays in the browser's list, where the user can resume it
    }
  });
}

function createMenus() {
  api.contextMenus.removeAll(() => {
    api.contextMenus.create({ id: MENU_LINK, title: "Download with Tether", contexts: ["link"] });
    api.contextMenus.create({
      id: MENU_MEDIA,
      title: "Download with Tether",
      contexts: ["image", "video", "audio"],
    });
    api.contextMenus.create({
      id: MENU_SELECTION,
      title: "Download all links in selection",
      contexts: ["selection"],
    });
  });
}

api.runtime.onInstalled.addListener(createMenus);
api.runtime.onStartup.addListener(createMenus);

// Runs in the page: the links inside the current selection.
function selectedLinks() {
  const selection = window.getSelection();
  const found = [];
  for (let i = 0; i < selection.rangeCount; i += 1) {
    const range = selection.getRangeAt(i);
    const root = range.commonAncestorContainer;
    const scope = root.nodeType === 1 ? root : root.parentElement;
    const closest = scope && scope.closest ? scope.closest("a[href]") : null;
    if (closest) found.push(closest.href);
    for (const a of scope ? scope.querySelectorAll("a[href]") : []) {
      if (selection.containsNode(a, true)) found.push(a.href);
    }
  }
  return found;
}

async function linksInSelection(tab) {
  const results = await api.scripting.executeScript({
    target: { tabId: tab.id },
    func: selectedLinks,
  });
  return uniqueLinks(results.flatMap((r) => r.result || []));
}

api.contextMenus.onClicked.addListener(async (info, tab) => {
  const referrer = info.frameUrl || info.pageUrl || "";
  let urls = [];
  if (info.menuItemId === MENU_LINK) urls = [info.linkUrl];
  else if (info.menuItemId === MENU_MEDIA) urls = [info.srcUrl];
  else if (info.menuItemId === MENU_SELECTION && tab) urls = await linksInSelection(tab);
  for (const url of uniqueLinks(urls)) {
    try {
      await sendToTether({ url, referrer });
    } catch (err) {
      console.warn("Tether: could not hand over", url, err.message);
    }
  }
});

// The e2e test (and a curious user) can ask the worker what it did.
globalThis.tetherSendToTether = sendToTether;
globalThis.tetherWatching = () => watching;
