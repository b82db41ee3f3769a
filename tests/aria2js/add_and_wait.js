// The npm `aria2` client against an aria2 RPC server: argv PORT SECRET, stdin {url, dir}.
// Opens the WebSocket, adds the URL, waits for onDownloadComplete, prints {gid, notified, status}.
"use strict";
const Aria2 = require("aria2");

async function main() {
  const [port, secret] = process.argv.slice(2);
  const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const aria2 = new Aria2({ host: "127.0.0.1", port: Number(port), secret, path: "/jsonrpc" });
  await aria2.open();
  const seen = [];
  let wake = null;
  aria2.on("onDownloadComplete", ([event]) => {
    seen.push(event.gid);
    if (wake) wake();
  });
  const gid = await aria2.call("addUri", [input.url], { dir: input.dir });
  const deadline = Date.now() + 30000;
  while (!seen.includes(gid)) {
    if (Date.now() > deadline) throw new Error("no onDownloadComplete for " + gid);
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1000);
    });
  }
  const keys = ["gid", "status", "totalLength", "completedLength"];
  const status = await aria2.call("tellStatus", gid, keys);
  process.stdout.write(JSON.stringify({ gid, notified: gid, status }) + "\n");
  await aria2.close();
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
