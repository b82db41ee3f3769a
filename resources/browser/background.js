// Capture: a download the browser starts is paused, handed to Tether with its cookies,
// referrer and user agent, and cancelled in the browser only once Tether confirmed the add;
// when Tether cannot be reached the browser's download resumes (never lost).
// Context menu: a link, a media element, or all links in the selection.
import { addRequest, decide, uniqueLinks } from "./logic.js";
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
  return result.job;
}

async function stateOf(id) {
  const [item] = await api.downloads.search({ id });
  return item ? item.state : "gone";
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

async function wanted(item) {
  if (item.state && item.state !== "in_progress") return false;
  return decide(item, await loadRules()).capture;
}

if (api.downloads.onDeterminingFilename) {
  // Chromium: a download cannot complete while its file name is being determined, so the
  // decision is made before the browser could finish it, however small the file.
  api.downloads.onDeterminingFilename.addListener((item, suggest) => {
    (async () => {
      if (!(await wanted(item)) || !(await handOver(item))) suggest();
    })();
    return true; // suggest() comes later
  });
} else {
  // Firefox: pause first, then decide; resume if Tether cannot take it.
  api.downloads.onCreated.addListener(async (item) => {
    if (!(await wanted(item))) return;
    try {
      await api.downloads.pause(item.id);
    } catch {
      // already finished or failed: the check below decides
    }
    if ((await stateOf(item.id)) !== "in_progress") return; // the browser finished it first
    if (!(await handOver(item))) {
      try {
        await api.downloads.resume(item.id);
      } catch {
        // it stays in the browser's list
      }
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
