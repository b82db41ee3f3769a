// The extension's pure logic: which downloads to capture, and the messages sent to Tether.
// No browser API here, so node's test runner checks it (tests/browser/logic.test.mjs).

export const HOST = "org.tether.native";

export const DEFAULT_RULES = Object.freeze({
  enabled: true, // capture the browser's downloads at all
  minSize: 0, // bytes; smaller downloads stay in the browser (unknown sizes are captured)
  types: "", // file extensions to capture ("iso, zip"); empty: all
  never: "", // sites never captured ("example.com" also covers its subdomains)
  always: "", // sites always captured, whatever the size and type
  bypassKey: "alt", // held while clicking a link: the browser keeps that download
});

// Alt is the default: Chromium's own Alt+click already means "download this link", so the
// browser does what it would without Tether; Shift opens a new window and Ctrl a new tab there.
export const BYPASS_KEYS = Object.freeze(["alt", "shift", "ctrl", "none"]);
export const BYPASS_TTL_MS = 15000; // a click's download starts well within this

/** A rules object with every field present and of the right type. */
export function normalizeRules(raw) {
  const r = { ...DEFAULT_RULES, ...(raw || {}) };
  const size = Number(r.minSize);
  return {
    enabled: r.enabled !== false,
    minSize: Number.isFinite(size) && size > 0 ? Math.floor(size) : 0,
    types: String(r.types || ""),
    never: String(r.never || ""),
    always: String(r.always || ""),
    bypassKey: BYPASS_KEYS.includes(r.bypassKey) ? r.bypassKey : DEFAULT_RULES.bypassKey,
  };
}

/** Whether the keys held at a click are the rules' "let the browser have it" key. */
export function bypassHeld(keys, rawRules) {
  const key = normalizeRules(rawRules).bypassKey;
  return key !== "none" && Boolean(keys && keys[key]);
}

/** An http(s) link as a download names it: without the #fragment (never sent to a server). */
export function linkKey(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return "";
    u.hash = "";
    return u.href;
  } catch {
    return "";
  }
}

/**
 * Links clicked with a modifier held, remembered briefly: the content script sees the click,
 * the downloads API (which never sees the keyboard) sees the download a moment later.
 */
export class Clicks {
  constructor(ttlMs = BYPASS_TTL_MS) {
    this.ttlMs = ttlMs;
    this.byLink = new Map(); // link → {keys, at}
  }

  note(url, keys, now) {
    const key = linkKey(url);
    if (!key) return;
    this.prune(now);
    const held = (name) => Boolean(keys && keys[name]);
    this.byLink.set(key, { keys: { alt: held("alt"), shift: held("shift"), ctrl: held("ctrl") }, at: now });
  }

  prune(now) {
    for (const [key, click] of this.byLink) {
      if (now - click.at > this.ttlMs) this.byLink.delete(key);
    }
  }

  /** The keys held when the download's link (first or final URL) was clicked; used once. */
  take(item, now) {
    this.prune(now);
    for (const url of [item.url, item.finalUrl]) {
      const key = linkKey(url || "");
      const click = key && this.byLink.get(key);
      if (click) {
        this.byLink.delete(key);
        return click.keys;
      }
    }
    return null;
  }
}

/** "a, b\nc" → ["a", "b", "c"] (lower case; leading dots and "*." dropped). */
export function parseList(text) {
  return String(text || "")
    .split(/[\s,;]+/)
    .map((t) => t.trim().toLowerCase().replace(/^\*?\./, ""))
    .filter(Boolean);
}

export function hostOf(url) {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return "";
  }
}

/** True if `host` is `site` or one of its subdomains; "*" matches every host. */
export function hostMatches(host, site) {
  if (!host || !site) return false;
  if (site === "*") return true;
  return host === site || host.endsWith("." + site);
}

/** The extension of a file name or URL path, lower case, without the dot ("" if none). */
export function extensionOf(nameOrUrl) {
  let path = String(nameOrUrl || "");
  try {
    path = new URL(path).pathname;
  } catch {
    // a plain file name
  }
  const base = path.replace(/\\/g, "/").split("/").pop() || "";
  let name = base;
  try {
    name = decodeURIComponent(base);
  } catch {
    // keep it as it is
  }
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * Whether to hand a browser download to Tether. `item` is a downloads.DownloadItem's fields:
 * url, finalUrl, filename, totalBytes/fileSize (-1 or 0 when unknown), mime.
 * Returns {capture, reason}.
 */
export function decide(item, rawRules) {
  const rules = normalizeRules(rawRules);
  const url = item.finalUrl || item.url || "";
  if (!rules.enabled) return { capture: false, reason: "capture is off" };
  // a private window's download must not land in Tether's queue and history
  if (item.incognito) return { capture: false, reason: "private window" };
  if (!/^https?:\/\//i.test(url)) return { capture: false, reason: "not an http(s) link" };
  const hosts = [hostOf(item.url), hostOf(url), hostOf(item.referrer)].filter(Boolean);
  const any = (list) => parseList(list).some((site) => hosts.some((h) => hostMatches(h, site)));
  if (any(rules.never)) return { capture: false, reason: "site never captured" };
  if (any(rules.always)) return { capture: true, reason: "site always captured" };
  const types = parseList(rules.types);
  if (types.length) {
    const ext = extensionOf(item.filename) || extensionOf(url);
    if (!types.includes(ext)) return { capture: false, reason: "file type not captured" };
  }
  const size = knownSize(item);
  if (rules.minSize && size !== null && size < rules.minSize) {
    return { capture: false, reason: "smaller than the minimum size" };
  }
  return { capture: true, reason: "rules" };
}

export function knownSize(item) {
  for (const key of ["totalBytes", "fileSize"]) {
    const n = Number(item[key]);
    if (Number.isFinite(n) && n > 0) return n;
  }
  return null;
}

/** A Cookie header from cookies.getAll() results, longest path first as browsers send them. */
export function cookieHeader(cookies) {
  const sorted = [...(cookies || [])].sort(
    (a, b) => (b.path || "/").length - (a.path || "/").length,
  );
  const seen = new Set();
  const parts = [];
  for (const c of sorted) {
    if (!c || typeof c.name !== "string" || seen.has(c.name)) continue;
    seen.add(c.name);
    parts.push(c.name ? `${c.name}=${c.value}` : String(c.value));
  }
  return parts.join("; ");
}

/** The base name a browser suggested ("/home/u/Downloads/f.iso" → "f.iso"). */
export function baseName(path) {
  return String(path || "").replace(/\\/g, "/").split("/").pop() || "";
}

/** The native host's `add` request for a download or a link (see app/browser/host.py). */
export function addRequest(item, cookies, userAgent) {
  const params = { url: item.url };
  const name = baseName(item.filename);
  if (name) params.file_name = name;
  if (item.referrer) params.referrer = item.referrer;
  const header = cookieHeader(cookies);
  if (header) params.cookies = header;
  if (userAgent) params.user_agent = userAgent;
  return { method: "add", params };
}

/** http(s) links, each once, in order (the "all links in selection" menu). */
export function uniqueLinks(urls) {
  const seen = new Set();
  const out = [];
  for (const u of urls || []) {
    if (typeof u !== "string" || !/^https?:\/\//i.test(u) || seen.has(u)) continue;
    seen.add(u);
    out.push(u);
  }
  return out;
}

/** "1.5 MB" (decimal units, as Tether's window shows them). */
export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n)) || n < 0) return "?";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = Number(n);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A job's progress in percent (null when its size is unknown). */
export function percent(job) {
  if (!job || !job.size) return job && job.state === "completed" ? 100 : null;
  return Math.max(0, Math.min(100, Math.floor((100 * (job.done || 0)) / job.size)));
}

/** The popup's jobs: unfinished first (newest first), then the last few finished ones. */
export function popupJobs(jobs, finishedShown = 5) {
  const active = new Set(["queued", "downloading", "retrying", "paused", "failed"]);
  const list = [...(jobs || [])].sort((a, b) => b.id - a.id);
  const open = list.filter((j) => active.has(j.state));
  const done = list.filter((j) => !active.has(j.state)).slice(0, finishedShown);
  return [...open, ...done];
}

function lastSegment(url) {
  try {
    const seg = new URL(url).pathname.split("/").pop() || "";
    return decodeURIComponent(seg);
  } catch {
    return "";
  }
}

/**
 * The link on a page that is the fresh copy of an expired one: same file name in its path
 * (the expired URL's last segment, or the name Tether saved it under). Query strings (the
 * signature that expired) don't count. Null if the page has none, or several different ones.
 */
export function pickFreshLink(hrefs, oldUrl, fileName) {
  const names = new Set([lastSegment(oldUrl), fileName || ""].filter(Boolean));
  const found = uniqueLinks(hrefs).filter((h) => names.has(lastSegment(h)));
  if (found.length === 0) return null;
  const elsewhere = found.filter((h) => h !== oldUrl);
  const candidates = elsewhere.length ? elsewhere : found;
  return candidates.length === 1 ? candidates[0] : null;
}

/** The jobs map kept in storage: the newest `limit` entries (by job id). */
export function rememberJob(map, id, entry, limit = 200) {
  const next = { ...(map || {}), [String(id)]: entry };
  const ids = Object.keys(next)
    .map(Number)
    .sort((a, b) => b - a);
  for (const old of ids.slice(limit)) delete next[String(old)];
  return next;
}
