// First-load transfer of a page, as a phone on the local runner sees it: every response's
// encoded (compressed) size from Chromium's network events, plus the encoding served.
//   BASE_URL=http://127.0.0.1:8080 node frontend/tests/size.mjs [/path]
// With SIGN_IN="<login path> <test identity>" (e.g. "/api/auth/psc/login?profil=gestionnaire
// manager-a"), signs in through the development provider first; only the page's own load counts.
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:8080";
const path = process.argv[2] ?? "/";
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
if (process.env.SIGN_IN) {
  const [login, identity] = process.env.SIGN_IN.split(" ");
  await page.goto(BASE + login);
  await page.locator(`button[name=login_hint][value="${identity}"]`).click();
  await page.waitForLoadState("networkidle");
}
await cdp.send("Network.enable");
await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
const requests = new Map();
cdp.on("Network.responseReceived", (e) => requests.set(e.requestId, { url: e.response.url, encoding: e.response.headers["content-encoding"] ?? "-", bytes: 0 }));
cdp.on("Network.loadingFinished", (e) => { const r = requests.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
await page.goto(BASE + path, { waitUntil: "networkidle" });
await page.waitForTimeout(500);
let total = 0;
for (const r of requests.values()) {
  total += r.bytes;
  console.log(`${String(r.bytes).padStart(8)}  ${r.encoding.padEnd(4)}  ${r.url.replace(BASE, "")}`);
}
console.log(`${String(total).padStart(8)}  total bytes transferred (headers included) for ${path}`);
await browser.close();
