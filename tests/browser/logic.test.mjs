// node --test: the extension's pure logic (resources/browser/logic.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addRequest,
  baseName,
  cookieHeader,
  decide,
  extensionOf,
  formatBytes,
  hostMatches,
  normalizeRules,
  parseList,
  percent,
  popupJobs,
  uniqueLinks,
} from "../../resources/browser/logic.js";

const item = (over = {}) => ({
  url: "https://files.example.com/dl/big.iso",
  finalUrl: "https://cdn.example.net/big.iso?sig=1",
  referrer: "https://www.example.com/page",
  filename: "",
  totalBytes: 50_000_000,
  ...over,
});

test("everything http(s) is captured by default; other schemes never", () => {
  assert.equal(decide(item(), {}).capture, true);
  for (const url of ["blob:https://x/1", "data:text/plain,hi", "file:///etc/passwd", "ftp://h/f"]) {
    assert.equal(decide({ url, finalUrl: url }, {}).capture, false, url);
  }
  assert.equal(decide(item(), { enabled: false }).capture, false);
  assert.equal(decide(item({ incognito: true }), { always: "*" }).capture, false);
});

test("minimum size: smaller stays in the browser, unknown size is captured", () => {
  const rules = { minSize: 1_000_000 };
  assert.equal(decide(item({ totalBytes: 999_999 }), rules).capture, false);
  assert.equal(decide(item({ totalBytes: 1_000_000 }), rules).capture, true);
  assert.equal(decide(item({ totalBytes: -1 }), rules).capture, true);
  assert.equal(decide(item({ totalBytes: 0, fileSize: 10 }), rules).capture, false);
});

test("file types from the name, else the URL", () => {
  const rules = { types: "ISO, .zip\n*.mkv" };
  assert.equal(decide(item(), rules).capture, true);
  assert.equal(decide(item({ filename: "/home/u/Downloads/a.ZIP" }), rules).capture, true);
  assert.equal(decide(item({ url: "https://h/a.txt", finalUrl: "" }), rules).capture, false);
  assert.equal(extensionOf("https://h/a%20b.tar.gz?x=1"), "gz");
  assert.equal(extensionOf(".bashrc"), "");
  assert.equal(extensionOf("C:\\x\\y.EXE"), "exe");
});

test("sites: never wins, always beats size and type; subdomains included", () => {
  assert.equal(decide(item(), { never: "example.com" }).capture, false);
  assert.equal(decide(item(), { never: "cdn.example.net" }).capture, false);
  assert.equal(decide(item(), { never: "ample.com" }).capture, true);
  const always = { always: "example.com", minSize: 1e12, types: "zip" };
  assert.equal(decide(item(), always).capture, true);
  assert.equal(decide(item(), { ...always, never: "*" }).capture, false);
  assert.ok(hostMatches("a.b.c", "b.c") && !hostMatches("ab.c", "b.c") && hostMatches("x", "*"));
  assert.deepEqual(parseList(" A.com,,b.org\n *.c.net "), ["a.com", "b.org", "c.net"]);
});

test("rules are normalised", () => {
  assert.deepEqual(normalizeRules({ minSize: "-5", enabled: 0, types: null, bypassKey: "F1" }), {
    enabled: true,
    minSize: 0,
    types: "",
    never: "",
    always: "",
    bypassKey: "alt",
  });
  assert.equal(normalizeRules({ bypassKey: "shift" }).bypassKey, "shift");
  assert.equal(normalizeRules({ enabled: false }).enabled, false);
});

test("cookies: one header, longest path first, first of a name wins", () => {
  const cookies = [
    { name: "sid", value: "root", path: "/" },
    { name: "sid", value: "deep", path: "/dl/" },
    { name: "theme", value: "dark", path: "/" },
  ];
  assert.equal(cookieHeader(cookies), "sid=deep; theme=dark");
  assert.equal(cookieHeader([]), "");
});

test("the add request carries url, name, referrer, cookies and user agent", () => {
  const msg = addRequest(
    item({ filename: "/home/u/Downloads/big.iso" }),
    [{ name: "a", value: "1", path: "/" }],
    "UA/1",
  );
  assert.deepEqual(msg, {
    method: "add",
    params: {
      url: "https://files.example.com/dl/big.iso",
      file_name: "big.iso",
      referrer: "https://www.example.com/page",
      cookies: "a=1",
      user_agent: "UA/1",
    },
  });
  assert.deepEqual(addRequest({ url: "http://h/f" }, [], "").params, { url: "http://h/f" });
  assert.equal(baseName("C:\\Users\\u\\f.zip"), "f.zip");
});

test("selection links: http(s) only, each once", () => {
  assert.deepEqual(uniqueLinks(["http://a/1", "javascript:x", "http://a/1", "https://b/2", 5]), [
    "http://a/1",
    "https://b/2",
  ]);
});

test("popup helpers", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1_500_000), "1.5 MB");
  assert.equal(formatBytes(undefined), "?");
  assert.equal(percent({ size: 200, done: 50 }), 25);
  assert.equal(percent({ size: null, done: 5, state: "downloading" }), null);
  const jobs = [
    { id: 1, state: "completed" },
    { id: 2, state: "downloading" },
    { id: 3, state: "paused" },
    { id: 4, state: "completed" },
  ];
  assert.deepEqual(popupJobs(jobs, 1).map((j) => j.id), [3, 2, 4]);
});

test("re-capture: the fresh link has the same file name, another signature", async () => {
  const { pickFreshLink, rememberJob } = await import("../../resources/browser/logic.js");
  const old = "https://cdn.example.com/v1/file.bin?sig=old";
  const page = [
    "https://example.com/about",
    "https://cdn.example.com/v2/file.bin?sig=new",
    "https://cdn.example.com/v2/other.bin?sig=new",
  ];
  assert.equal(pickFreshLink(page, old, "file.bin"), "https://cdn.example.com/v2/file.bin?sig=new");
  assert.equal(pickFreshLink(["https://h/x/saved%20name.iso"], old, "saved name.iso"), "https://h/x/saved%20name.iso");
  assert.equal(pickFreshLink(["https://example.com/about"], old, "file.bin"), null);
  assert.equal(pickFreshLink(["https://a/file.bin", "https://b/file.bin"], old, ""), null);
  assert.equal(pickFreshLink([old], old, ""), old);
  let map = {};
  for (let i = 1; i <= 5; i += 1) map = rememberJob(map, i, { n: i }, 3);
  assert.deepEqual(Object.keys(map).sort(), ["3", "4", "5"]);
});

test("a click with the bypass key held leaves that download to the browser", async () => {
  const { bypassHeld, Clicks, linkKey } = await import("../../resources/browser/logic.js");
  const alt = { alt: true, shift: false, ctrl: false };
  const shift = { alt: false, shift: true, ctrl: false };
  assert.equal(bypassHeld(alt, {}), true, "Alt by default");
  assert.equal(bypassHeld(shift, {}), false);
  assert.equal(bypassHeld(shift, { bypassKey: "shift" }), true);
  assert.equal(bypassHeld(alt, { bypassKey: "none" }), false, "none: never bypassed");
  assert.equal(bypassHeld(null, {}), false);
  assert.equal(linkKey("https://h/f.iso#part"), "https://h/f.iso");
  assert.equal(linkKey("not a url"), "");
  assert.equal(linkKey("blob:https://h/1"), "");

  const clicks = new Clicks(1000);
  clicks.note("https://h/a.iso#x", alt, 0);
  clicks.note("https://h/b.iso", shift, 0);
  // another link's download, or the same link's after the click is forgotten: no keys
  assert.equal(clicks.take({ url: "https://h/c.iso" }, 10), null);
  assert.deepEqual(clicks.take({ url: "https://h/a.iso" }, 10), alt);
  assert.equal(clicks.take({ url: "https://h/a.iso" }, 20), null, "a click counts once");
  assert.equal(clicks.take({ url: "https://h/b.iso" }, 1001), null, "forgotten after the ttl");
  // a link that redirects: the download's first URL is the link; either URL matches
  clicks.note("https://h/go", { ctrl: 1 }, 0);
  assert.deepEqual(clicks.take({ url: "https://cdn/x", finalUrl: "https://h/go" }, 5), {
    alt: false,
    shift: false,
    ctrl: true,
  });
  clicks.note("javascript:void(0)", alt, 0);
  clicks.note("", alt, 0);
  assert.equal(clicks.byLink.size, 0, "only http(s) links are kept");
});
