// Browser tests of the web app's journeys (issue 6): headless Chromium from Debian
// (/usr/bin/chromium) driven by playwright-core, at 390×844 (a phone), against a running local
// stack (`BASE_URL`, started by infra/local/stack.sh with --seed and fresh tables).
// Screenshots of every step go to SCREENSHOTS (default target/screenshots).
//
//   BASE_URL=http://127.0.0.1:8080 node frontend/tests/browser.mjs
import { chromium } from "playwright-core";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, request as httpRequest } from "node:http";
import { deflateSync, inflateSync } from "node:zlib";
import assert from "node:assert/strict";

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:8080";
const SHOTS = process.env.SCREENSHOTS ?? "target/screenshots";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
rmSync(SHOTS, { recursive: true, force: true });
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: "fr-FR", timezoneId: "Europe/Paris" };
let shot = 0;
async function snap(page, name) {
  shot += 1;
  await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, "0")}-${name}.png`, fullPage: true });
}
// Days of the French calendar, as the server counts them (departures, purge): in the last hour
// or two of a UTC day, Paris is already on the next one, where a UTC date is "yesterday".
function parisDate(daysFromToday = 0) {
  const parts = new Intl.DateTimeFormat("en", { timeZone: "Europe/Paris", year: "numeric", month: "numeric", day: "numeric" })
    .formatToParts(new Date());
  const [year, month, day] = ["year", "month", "day"].map((type) => Number(parts.find((p) => p.type === type).value));
  return new Date(Date.UTC(year, month - 1, day + daysFromToday)).toISOString().slice(0, 10);
}
// Issue 20: a card's QR code as a photo, and its signed statement's digits.
/** The grey QR image of a card's PDF (an 8-bit /DeviceGray image XObject, Flate-compressed). */
function qrImageOfPdf(pdf) {
  const text = pdf.toString("latin1");
  const subtype = /\/Subtype\s*\/Image/g;
  for (let m; (m = subtype.exec(text));) {
    const start = text.lastIndexOf(" obj", m.index);
    const streamAt = text.indexOf("stream", m.index);
    const dict = text.slice(start, streamAt);
    const number = (key) => Number((dict.match(new RegExp(`/${key}\\s+(\\d+)`)) ?? [])[1]);
    const [width, height, length] = ["Width", "Height", "Length"].map(number);
    if (!(width === height && length > 0 && /FlateDecode/.test(dict))) continue;
    const dataAt = streamAt + "stream".length + (text[streamAt + 6] === "\r" ? 2 : 1);
    const pixels = inflateSync(pdf.subarray(dataAt, dataAt + length));
    if (pixels.length === width * height) return { width, height, pixels };
  }
  throw new Error("no grey image in the card's PDF");
}
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** A greyscale PNG of `pixels` enlarged `scale` times (a photo of the printed code, roughly). */
function png({ width, height, pixels }, scale) {
  const [w, h] = [width * scale, height * scale];
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) raw[y * (w + 1) + 1 + x] = pixels[Math.floor(y / scale) * width + Math.floor(x / scale)];
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8; // bits per sample; colour type 0 (grey), no interlace
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
/** A one-frame YUV4MPEG2 video of the code (Chromium's fake camera loops it), grey: Y only. */
function y4m({ width, height, pixels }, scale) {
  const [w, h] = [width * scale, height * scale];
  const [W, H] = [w + (w % 2), h + (h % 2)];
  const luma = Buffer.alloc(W * H, 255);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) luma[y * W + x] = pixels[Math.floor(y / scale) * width + Math.floor(x / scale)];
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\nFRAME\n`, "latin1"), luma, chroma]);
}
// rpps_contract::card::{to_digits, from_digits}: 7 bytes to 17 digits, a shorter last group.
const TAIL_DIGITS = [0, 3, 5, 8, 10, 13, 15];
function bytesOfDigits(digits) {
  const tail = TAIL_DIGITS.indexOf(digits.length % 17);
  const out = [];
  for (let i = 0; i < digits.length; i += 17) {
    const group = digits.slice(i, i + 17);
    const value = BigInt(group);
    for (let k = (group.length === 17 ? 7 : tail) - 1; k >= 0; k -= 1) out.push(Number((value >> BigInt(8 * k)) & 255n));
  }
  return Buffer.from(out);
}
function digitsOfBytes(bytes) {
  let digits = "";
  for (let i = 0; i < bytes.length; i += 7) {
    const group = bytes.subarray(i, i + 7);
    const value = group.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
    digits += value.toString().padStart(group.length === 7 ? 17 : TAIL_DIGITS[group.length], "0");
  }
  return digits;
}
/** The site through a proxy of the test's own: closed, the network is really gone. */
async function startProxy(target) {
  const upstream = new URL(target);
  const sockets = new Set();
  const server = createServer((req, res) => {
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      for (const socket of sockets) socket.destroy();
    }),
  };
}
const results = [];
async function step(name, fn) {
  const start = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    let n = 0;
    for (const ctx of browser.contexts()) {
      for (const page of ctx.pages()) {
        n += 1;
        await page.screenshot({ path: `${SHOTS}/FAIL-${n}.png`, fullPage: true }).catch(() => {});
      }
    }
    console.log(`FAIL ${name}\n     ${String(e.stack ?? e).split("\n").slice(0, 6).join("\n     ")}`);
    throw e;
  }
}
/** What the browser refused under the Content-Security-Policy, on every page of every context. */
const refusals = [];
/** A phone-sized context whose console is watched for Content-Security-Policy refusals. */
async function newContext() {
  const ctx = await browser.newContext(phone);
  ctx.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) refusals.push(`${msg.location().url}: ${msg.text()}`);
  });
  ctx.on("weberror", (error) => {
    if (/EvalError|Content Security Policy/i.test(String(error.error()))) refusals.push(String(error.error()));
  });
  return ctx;
}
/** Signs in through the development OpenID provider, picking a test identity. */
async function signIn(page, loginPath, identity) {
  await page.goto(BASE + loginPath);
  await page.locator(`button[name=login_hint][value="${identity}"]`).click();
}
/** The element an input's aria-describedby points to must hold the message. */
async function assertFieldError(page, inputSelector, text) {
  const input = page.locator(inputSelector);
  await page.locator(`${inputSelector}[aria-invalid="true"]`).waitFor();
  const ids = (await input.getAttribute("aria-describedby")) ?? "";
  const errorId = ids.split(" ").find((id) => id.endsWith("-erreur"));
  assert.ok(errorId, `${inputSelector} has no error in aria-describedby (${ids})`);
  await page.locator(`#${errorId}`).filter({ hasText: text }).waitFor();
  assert.equal(await input.getAttribute("aria-invalid"), "true");
}

let rpps = "";
let failed = false;
try {
  const anonymous = await newContext();
  const visitor = await anonymous.newPage();

  await step("home page: the journeys, in French, under the deployed CSP", async () => {
    const response = await visitor.goto(BASE + "/");
    // The local runner sends CloudFront's policy: no inline script, no eval (docs/DEPLOY.md).
    const csp = (await response.headerValue("content-security-policy")) ?? "";
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.equal(await response.headerValue("cache-control"), "no-cache");
    await visitor.getByRole("heading", { level: 1, name: /numéro RPPS/ }).waitFor();
    assert.equal(await visitor.title(), "RPPS+ — Accueil");
    assert.equal(await visitor.getAttribute("html", "lang"), "fr");
    await visitor.getByRole("link", { name: "S'identifier avec FranceConnect" }).waitFor();
    await visitor.getByRole("link", { name: "Accéder à l'espace gestionnaire" }).waitFor();
    await snap(visitor, "accueil");
  });

  await step("deep link reload: /aide served by the fallback and rendered", async () => {
    const response = await visitor.goto(BASE + "/aide#insee");
    assert.equal(response.status(), 200);
    await visitor.getByRole("heading", { level: 1, name: "Aide et questions fréquentes" }).waitFor();
    await visitor.getByText("décidées par chaque commune", { exact: false }).first().waitFor({ state: "attached" });
    await visitor.reload();
    await visitor.getByRole("heading", { level: 1, name: "Aide et questions fréquentes" }).waitFor();
    await visitor.locator("#insee summary").click();
    assert.equal(await visitor.title(), "RPPS+ — Aide");
    await snap(visitor, "aide");
  });

  await step("links change the page without reloading it; back button; Ctrl-click opens a tab", async () => {
    await visitor.goto(BASE + "/");
    await visitor.getByRole("heading", { level: 1, name: /numéro RPPS/ }).waitFor();
    // Set on this document only: still there after a client-side navigation, gone after a load.
    await visitor.evaluate(() => { window.sameDocument = true; });
    const menu = visitor.getByRole("navigation", { name: "Menu principal" });
    assert.equal(await menu.getByRole("link", { name: "Accueil" }).getAttribute("aria-current"), "page");
    await visitor.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await visitor.getByRole("link", { name: "Chercher dans l'annuaire" }).click();
    await visitor.waitForURL(BASE + "/annuaire");
    await visitor.getByRole("heading", { level: 1, name: /Annuaire public/ }).waitFor();
    assert.equal(await visitor.title(), "RPPS+ — Annuaire public");
    assert.equal(await visitor.evaluate(() => window.sameDocument), true);
    assert.equal(await visitor.evaluate(() => window.scrollY), 0);
    assert.equal(await menu.getByRole("link", { name: "Annuaire" }).getAttribute("aria-current"), "page");
    assert.equal(await menu.getByRole("link", { name: "Accueil" }).getAttribute("aria-current"), null);
    await visitor.goBack();
    await visitor.waitForURL(BASE + "/");
    await visitor.getByRole("heading", { level: 1, name: /numéro RPPS/ }).waitFor();
    assert.equal(await visitor.evaluate(() => window.sameDocument), true);
    await visitor.goForward();
    await visitor.getByRole("heading", { level: 1, name: /Annuaire public/ }).waitFor();
    // Ctrl-click: the browser's own new tab, this page stays.
    const [tab] = await Promise.all([
      visitor.context().waitForEvent("page"),
      menu.getByRole("link", { name: "Aide" }).click({ modifiers: ["Control"] }),
    ]);
    await tab.waitForURL(BASE + "/aide");
    await tab.getByRole("heading", { level: 1, name: "Aide et questions fréquentes" }).waitFor();
    await tab.close();
    assert.equal(visitor.url(), BASE + "/annuaire");
    await visitor.getByRole("heading", { level: 1, name: /Annuaire public/ }).waitFor();
    await visitor.goto(BASE + "/nulle-part?x=1");
    await visitor.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
    await visitor.getByText("« /nulle-part »", { exact: false }).waitFor();
    assert.equal(await visitor.title(), "RPPS+ — Page introuvable");
  });

  await step("not authorised: a card holder who is no manager (FAQ-R8)", async () => {
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signIn(page, "/api/auth/psc/login?profil=gestionnaire", "carte-non-gestionnaire");
    await page.waitForURL(/problem\?reason=not_authorised/);
    await page.getByRole("heading", { level: 1, name: /pas habilité/ }).waitFor();
    await snap(page, "non-autorise-connexion");
    await page.goto(BASE + "/erreur/non-autorise");
    await page.getByRole("heading", { level: 1, name: /pas autorisé/ }).waitFor();
    await page.getByRole("link", { name: /pré-inscription avec FranceConnect/ }).waitFor();
    await snap(page, "non-autorise-page");
    await ctx.close();
  });

  const aideCtx = await newContext();
  const aide = await aideCtx.newPage();
  await step("aide signs in with the development FranceConnect: civil status pre-filled", async () => {
    await aide.goto(BASE + "/");
    await aide.getByRole("link", { name: "S'identifier avec FranceConnect" }).click();
    await aide.locator('button[name=login_hint][value="aide-sans-rpps"]').click();
    await aide.waitForURL(BASE + "/demande");
    await aide.getByRole("heading", { name: "Votre identité" }).waitFor();
    await aide.getByText("N'Diaye").first().waitFor();
    await aide.getByText("Étape 1 sur 4").waitFor();
    await snap(aide, "aide-identite");
    await aide.getByRole("button", { name: "Continuer" }).click();
  });

  await step("field errors shown next to the field (email)", async () => {
    await aide.getByRole("heading", { name: "Vos coordonnées" }).waitFor();
    await aide.fill("#email", "pas-une-adresse");
    await aide.getByRole("button", { name: "Enregistrer et continuer" }).click();
    await assertFieldError(aide, "#email", /.+/);
    await snap(aide, "aide-erreur-email");
    await aide.fill("#email", "aide.navigateur@example.org");
    await aide.fill("#mobile", "06 12 34 56 78");
  });

  await step("network lost while saving: told it is temporary, nothing typed is lost (FAQ-R16)", async () => {
    await aide.route("**/api/registrations/*", (route) => route.abort("internetdisconnected"), { times: 1 });
    await aide.getByRole("button", { name: "Enregistrer et continuer" }).click();
    await aide.getByRole("alert").filter({ hasText: "momentanément" }).waitFor();
    assert.equal(await aide.inputValue("#email"), "aide.navigateur@example.org");
    await snap(aide, "aide-reseau-coupe");
    await aide.getByRole("button", { name: "Enregistrer et continuer" }).click();
    await aide.getByRole("heading", { name: "Votre situation professionnelle" }).waitFor();
  });

  await step("a SIRET in the establishment search gets the explanation (FAQ-R15)", async () => {
    await aide.fill("#etablissement-recherche", "26010004500012");
    await aide.getByRole("button", { name: "Rechercher" }).click();
    await aide.locator("#etablissement-explication").filter({ hasText: "SIRET" }).waitFor();
    await aide.locator("#etablissement-explication").filter({ hasText: "FINESS" }).waitFor();
    await snap(aide, "aide-siret");
  });

  await step("establishment by FINESS, eligibility, start date; draft restored after reload", async () => {
    await aide.fill("#etablissement-recherche", "750012346");
    await aide.getByRole("button", { name: "Rechercher" }).click();
    await aide.locator("#etab-750012346").check();
    await aide.locator("#eligibilite-certification").check();
    await aide.fill("#start_date", "2026-09-01");
    await snap(aide, "aide-situation");
    await aide.getByRole("button", { name: "Enregistrer et continuer" }).click();
    await aide.getByRole("heading", { name: "Vérifiez et envoyez votre demande" }).waitFor();
    // A reload (or a lost connection) loses nothing: same step, same data.
    await aide.reload();
    await aide.getByRole("heading", { name: "Vérifiez et envoyez votre demande" }).waitFor();
    await aide.getByText("aide.navigateur@example.org").waitFor();
    await aide.getByText("Étape 4 sur 4").waitFor();
    await snap(aide, "aide-verification-apres-rechargement");
  });

  await step("aide confirms and submits: status page with the timeline", async () => {
    await aide.getByRole("button", { name: "Envoyer ma demande" }).click();
    await assertFieldError(aide, "#accuracy", "Cochez");
    await aide.locator("#accuracy").check();
    await aide.getByRole("button", { name: "Envoyer ma demande" }).click();
    await aide.getByText("En attente de validation").waitFor();
    await aide.getByText("Demande envoyée à l'établissement").waitFor();
    await snap(aide, "aide-demande-envoyee");
  });

  const managerCtx = await newContext();
  const manager = await managerCtx.newPage();
  await step("manager signs in with the development PSC and validates (FAQ-R2)", async () => {
    await manager.goto(BASE + "/");
    await manager.getByRole("link", { name: "Accéder à l'espace gestionnaire" }).click();
    await manager.locator('button[name=login_hint][value="manager-a"]').click();
    await manager.waitForURL(BASE + "/gestion");
    await manager.getByRole("heading", { name: "Demandes à traiter" }).waitFor();
    await snap(manager, "gestion-file");
    await manager.getByRole("link", { name: /N'Diaye/ }).first().click();
    await manager.getByRole("heading", { name: "Valider la demande" }).waitFor();
    await manager.getByRole("button", { name: /Valider et attribuer/ }).click();
    await assertFieldError(manager, "#conditions_checked", "Cochez la déclaration");
    await snap(manager, "gestion-declaration-manquante");
    await manager.locator("#conditions_checked").check();
    await manager.getByRole("button", { name: /Valider et attribuer/ }).click();
    const number = manager.locator("#rpps-attribue");
    await number.waitFor();
    rpps = (await number.textContent()).trim();
    assert.match(rpps, /^1\d{10}$/);
    await snap(manager, "gestion-validee");
  });

  await step("aide sees the RPPS number and the e-CPS date (FAQ-R3, R5)", async () => {
    await aide.reload();
    await aide.locator("#numero-rpps").filter({ hasText: rpps }).waitFor();
    await aide.getByText("e-CPS activable").waitFor();
    assert.equal(await aide.getByRole("link", { name: "Télécharger ma fiche PDF" }).getAttribute("href"), `/api/directory/${rpps}/card.pdf`);
    await snap(aide, "aide-numero-rpps");
  });

  await step("manager registers an aide: a postal code proposes communes with INSEE codes (FAQ-R17)", async () => {
    await manager.goto(BASE + "/gestion/nouvelle-demande");
    await manager.getByRole("heading", { name: "1. État civil" }).waitFor();
    await manager.fill("#family_name", "Martin");
    await manager.fill("#given_names", "Léa");
    await manager.fill("#birth_date", "1990-04-12");
    await manager.locator("#commune-naissance").pressSequentially("75015", { delay: 30 });
    await manager.locator("#commune-naissance-code-postal").waitFor();
    const choice = manager.getByRole("button", { name: "Paris 15e Arrondissement (75115)" });
    await choice.waitFor();
    await snap(manager, "gestion-code-postal");
    await choice.click();
    await manager.getByText("Code INSEE retenu : 75115").waitFor();
    await manager.getByRole("button", { name: "Continuer" }).click();
    await manager.getByRole("heading", { name: /2\. Coordonnées/ }).waitFor();
    await snap(manager, "gestion-nouvelle-etape-2");
  });

  // The public directory and the staff pages, once the local runner serves them.
  const directory = await visitor.request.get(BASE + "/api/directory?name=zz");
  if (directory.status() === 404) {
    console.log("skip public directory steps: /api/directory is not served by this runner");
  } else {
    await step("public search finds the aide once published (FAQ-R4)", async () => {
      await visitor.goto(BASE + "/annuaire");
      await visitor.getByRole("heading", { level: 1, name: /Annuaire public/ }).waitFor();
      await visitor.fill("#q", "N'Diaye");
      // Publication runs on the table's stream: a few seconds at most.
      for (let i = 0; i < 20; i += 1) {
        await visitor.getByRole("button", { name: "Rechercher" }).click();
        await visitor.locator("[role=status] p.petit").first().waitFor();
        if (await visitor.locator(`#resultats a[href="/annuaire/${rpps}"]`).count()) break;
        await visitor.waitForTimeout(1000);
      }
      await visitor.locator(`#resultats a[href="/annuaire/${rpps}"]`).waitFor();
      await snap(visitor, "annuaire-recherche");
    });

    await step("the professional's page and its PDF card download", async () => {
      await visitor.locator(`#resultats a[href="/annuaire/${rpps}"]`).click();
      await visitor.getByText("Valide aujourd'hui").waitFor();
      await snap(visitor, "annuaire-fiche");
      const href = await visitor.getByRole("link", { name: "Télécharger la fiche PDF" }).getAttribute("href");
      const pdf = await visitor.request.get(BASE + href);
      assert.equal(pdf.status(), 200);
      assert.match(pdf.headers()["content-type"], /application\/pdf/);
      assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
    });

    await step("the card's QR code verified with the network off: « Carte authentique », one letter changed refused (issue 20)", async () => {
      const pdf = Buffer.from(await (await fetch(BASE + `/api/directory/${rpps}/card.pdf`)).arrayBuffer());
      const photo = png(qrImageOfPdf(pdf), 3);
      const proxy = await startProxy(BASE);
      const offline = await newContext();
      const page = await offline.newPage();
      // A first visit, online: the service worker keeps the app and the keys.
      await page.goto(proxy.url + "/verifier");
      await page.getByRole("heading", { level: 1, name: "Vérifier une carte professionnelle" }).waitFor();
      const detector = await page.evaluate(() => "BarcodeDetector" in window);
      // (and, in a browser without BarcodeDetector, the QR code decoder the page loads)
      for (let attempt = 0; ; attempt += 1) {
        const kept = await page.evaluate(async () => {
          if (!navigator.serviceWorker.controller) return [];
          const name = (await caches.keys()).find((k) => k.startsWith("rpps-"));
          return name ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname) : [];
        });
        if (kept.includes("/") && kept.includes("/.well-known/rpps-card-keys.json")
          && (detector || kept.filter((path) => path.startsWith("/app-qr-")).length === 2)) break;
        assert.ok(attempt < 50, `the service worker did not keep the app and the keys: ${kept}`);
        await page.waitForTimeout(200);
      }
      // The network is gone: the proxy closed, and the browser told it is offline.
      await proxy.close();
      await offline.setOffline(true);
      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Vérifier une carte professionnelle" }).waitFor();
      const started = Date.now();
      await page.setInputFiles("#photo", { name: "carte.png", mimeType: "image/png", buffer: photo });
      const verdict = page.locator("#authenticite");
      await verdict.filter({ hasText: "Carte authentique" }).waitFor();
      const elapsed = Date.now() - started;
      assert.match(await verdict.textContent(), /N'Diaye/i);
      assert.match(await verdict.textContent(), /750012346/);
      await page.locator("#verification-hors-ligne").waitFor();
      const [measure] = await page.evaluate(() => performance.getEntriesByName("rpps-verification").map((e) => e.duration));
      console.log(`     photo ${photo.length} B read by ${detector ? "BarcodeDetector" : "rqrr"} and verified in ${elapsed} ms; signature check ${measure.toFixed(1)} ms`);
      await snap(page, "verification-hors-ligne-authentique");

      // The card's address, shown once read: what a phone's camera opens from the QR code.
      const address = new URL(page.url());
      assert.equal(address.pathname, `/verifier/${rpps}`);
      const digits = address.hash.slice(1);
      assert.match(digits, /^\d{300,}$/);
      // One letter of the name changed in the signed statement: refused, online or not.
      const statement = bytesOfDigits(digits);
      const at = statement.toString("latin1").toLowerCase().indexOf("diaye");
      assert.ok(at > 0, "the name in the statement");
      statement[at + 1] = statement[at + 1] ^ 0x01; // « i » becomes « h »
      const open = async (path) => {
        await page.goto("about:blank");
        await page.goto(proxy.url + path);
      };
      await open(`/verifier/${rpps}#${digitsOfBytes(statement)}`);
      await page.locator("#authenticite").filter({ hasText: "Carte non authentique" }).waitFor();
      assert.match(await page.locator("#authenticite").textContent(), /signature ne correspond pas/);
      await snap(page, "verification-hors-ligne-modifiee");
      // The genuine address, opened offline as the camera would: authentic.
      await open(`/verifier/${rpps}#${digits}`);
      await page.locator("#authenticite").filter({ hasText: "Carte authentique" }).waitFor();
      await offline.close();
    });

    await step("the camera on /verifier reads the card's QR code and checks it (issue 20)", async () => {
      const pdf = Buffer.from(await (await fetch(BASE + `/api/directory/${rpps}/card.pdf`)).arrayBuffer());
      // Chromium's fake camera, filming the card's code (a file of one frame, looped).
      const video = join(tmpdir(), `rpps-camera-${process.pid}.y4m`);
      writeFileSync(video, y4m(qrImageOfPdf(pdf), 2));
      const filming = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--use-fake-device-for-media-stream",
          "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${video}`],
      });
      try {
        const context = await filming.newContext({ ...phone, permissions: ["camera"] });
        const page = await context.newPage();
        await page.goto(BASE + "/verifier");
        await page.getByRole("button", { name: "Scanner avec l'appareil photo" }).click();
        await page.locator("#camera").waitFor();
        const verdict = page.locator("#authenticite");
        await verdict.filter({ hasText: "Carte authentique" }).waitFor({ timeout: 20000 });
        assert.match(await verdict.textContent(), /N'Diaye/i);
        // The camera is released, and the card's address is the page's.
        await page.locator("#camera").waitFor({ state: "detached" });
        assert.equal(new URL(page.url()).pathname, `/verifier/${rpps}`);
        await page.locator("#verification").filter({ hasText: "Carte valide" }).waitFor();
        await snap(page, "verification-camera");
      } finally {
        await filming.close();
        rmSync(video, { force: true });
      }
    });

    await step("verification page: valid card, unknown number invalid", async () => {
      await visitor.goto(BASE + `/verifier/${rpps}`);
      await visitor.locator("#verification").filter({ hasText: "Carte valide" }).waitFor();
      await snap(visitor, "verification-valide");
      await visitor.goto(BASE + "/verifier/10000000025");
      await visitor.locator("#verification").filter({ hasText: "Carte non valide" }).waitFor();
      await snap(visitor, "verification-inconnue");
    });

    await step("manager records the aide's departure (FAQ-R6)", async () => {
      await manager.goto(BASE + "/gestion/personnel");
      await manager.getByRole("heading", { level: 1, name: "Personnel et départs" }).waitFor();
      const field = manager.locator(`#depart-${rpps}`);
      await field.waitFor();
      await manager.locator(`li:has(#depart-${rpps})`).getByRole("button", { name: "Enregistrer le départ" }).click();
      await assertFieldError(manager, `#depart-${rpps}`, "dernier jour");
      const today = parisDate();
      await field.fill(today);
      await manager.locator(`li:has(#depart-${rpps})`).getByRole("button", { name: "Enregistrer le départ" }).click();
      await manager.getByText("Départ enregistré").waitFor();
      await snap(manager, "gestion-depart");
    });

    await step("manager adds the aide's forgotten mobile number (FAQ-R14)", async () => {
      const item = manager.locator(`li:has-text("RPPS ${rpps}")`);
      await item.getByRole("button", { name: "Ajouter ou corriger le mobile" }).click();
      await manager.fill(`#mobile-${rpps}`, "12");
      await item.getByRole("button", { name: "Enregistrer le mobile" }).click();
      await assertFieldError(manager, `#mobile-${rpps}`, /.+/);
      await snap(manager, "gestion-mobile-erreur");
      await manager.fill(`#mobile-${rpps}`, "06 11 22 33 44");
      await item.getByRole("button", { name: "Enregistrer le mobile" }).click();
      await item.getByRole("button", { name: "Ajouter ou corriger le mobile" }).waitFor();
    });

    await step("the night after the departure, the purge removes the site; the verification says invalid (FAQ-R6, R7)", async () => {
      const tomorrow = parisDate(1);
      const response = await fetch(BASE + `/_local/purge?today=${tomorrow}`, { method: "POST" });
      assert.equal(response.status, 200);
      const report = await response.json();
      assert.ok(report.purged.some((p) => p.rpps === rpps), JSON.stringify(report));
      // The directory follows from the stream within seconds.
      for (let attempt = 0; ; attempt++) {
        await visitor.goto(BASE + `/verifier/${rpps}`);
        const verdict = visitor.locator("#verification .verdict");
        await verdict.waitFor();
        if ((await verdict.textContent()).includes("non valide")) break;
        assert.ok(attempt < 30, "the verification page still says valid");
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await snap(visitor, "verification-apres-purge");
    });
  }

  const proContext = await newContext();
  const pro = await proContext.newPage();
  await step("a professional with e-CPS lands on their record (FAQ-R13, R18)", async () => {
    await signIn(pro, "/api/auth/psc/login?profil=professionnel", "pro-ecps");
    await pro.waitForURL(BASE + "/mon-dossier");
    await pro.getByRole("heading", { level: 1, name: "Mon dossier" }).waitFor();
    const number = (await pro.locator(".rpps-numero").first().textContent()).trim();
    assert.match(number, /^1\d{10}$/);
    await pro.getByRole("link", { name: "Télécharger ma fiche PDF" }).waitFor();
    await pro.waitForLoadState("networkidle");
    await snap(pro, "professionnel-dossier");
  });

  await step("the professional's contact form: an invalid email is shown next to the field (FAQ-R13)", async () => {
    await pro.getByRole("heading", { name: "Mes coordonnées" }).waitFor();
    await pro.fill("#email", "pas-une-adresse");
    await pro.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
    await assertFieldError(pro, "#email", /.+/);
    // What was typed stays, and nothing was saved.
    assert.equal(await pro.inputValue("#email"), "pas-une-adresse");
    assert.equal(await pro.getByText("Coordonnées enregistrées").count(), 0);
    await snap(pro, "professionnel-coordonnees-erreur");
  });

  await step("the professional updates email and mobile; the record shows them after a reload (FAQ-R13, R14)", async () => {
    const email = `pro.ecps.${Date.now()}@example.org`;
    await pro.fill("#email", email);
    await pro.fill("#mobile", "06 12 34 56 78");
    await pro.getByRole("button", { name: "Enregistrer mes coordonnées" }).click();
    await pro.getByRole("status").filter({ hasText: "Coordonnées enregistrées" }).waitFor();
    assert.equal(await pro.getAttribute("#email", "aria-invalid"), "false");
    await snap(pro, "professionnel-coordonnees-enregistrees");
    // Read back from the API, not from what the page still holds.
    await pro.reload();
    await pro.getByRole("heading", { name: "Mes coordonnées" }).waitFor();
    await pro.waitForFunction((expected) => document.querySelector("#email")?.value === expected, email);
    const mobile = (await pro.inputValue("#mobile")).replace(/[\s.]/g, "");
    assert.match(mobile, /^(06|\+336)12345678$/, `mobile after reload: ${mobile}`);
    await snap(pro, "professionnel-coordonnees-relues");
    await proContext.close();
  });

  // One person, one number (FAQ-R3, R12; issue 14): a manager of their own (fresh drafts).
  const ownCtx = await newContext();
  const own = await ownCtx.newPage();
  /** The manager types a civil status and sends the request; the page of the new request. */
  async function registerAide(page, { family, given, born, commune, country }) {
    await page.goto(BASE + "/gestion/nouvelle-demande");
    await page.getByRole("heading", { name: "1. État civil" }).waitFor();
    await page.fill("#family_name", family);
    await page.fill("#given_names", given);
    await page.fill("#birth_date", born);
    if (country) {
      await page.locator("#ne-etranger").check();
      await page.locator("#pays-naissance").pressSequentially(country.typed, { delay: 30 });
      await page.getByRole("button", { name: country.label }).click();
    } else {
      await page.locator("#commune-naissance").pressSequentially(commune.typed, { delay: 30 });
      await page.getByRole("button", { name: commune.label }).click();
    }
    await page.getByRole("button", { name: "Continuer" }).click();
  }
  const lyon3 = { typed: "69383", label: "Lyon 3e Arrondissement (69383)" };
  await step("the numbered aide typed again otherwise: refused with her number (FAQ-R12)", async () => {
    await signIn(own, "/api/auth/psc/login?profil=gestionnaire", "manager-a");
    await own.waitForURL(BASE + "/gestion");
    await registerAide(own, { family: "NDIAYE", given: "Marie-Hélène Josée", born: "1985-04-12", commune: lyon3 });
    await own.getByRole("alert").filter({ hasText: rpps }).waitFor();
    await snap(own, "gestion-deja-numerotee");
  });

  await step("a probable match is shown side by side on a phone, validated with the declaration (FAQ-R3)", async () => {
    await own.fill("#family_name", "NDiayes");
    await own.getByRole("button", { name: "Continuer" }).click();
    await own.getByRole("heading", { name: /2\. Coordonnées/ }).waitFor();
    // SES's mailbox simulator address that bounces (played by the local gate): the next step.
    await own.fill("#email", "bounce@simulator.amazonses.com");
    await own.fill("#start_date", "2026-11-02");
    await own.locator("#eligibilite-certification").check();
    await own.getByRole("button", { name: "Envoyer la demande" }).click();
    await own.getByRole("link", { name: "Ouvrir la demande pour la valider" }).click();
    const section = own.locator("#correspondances");
    await section.getByText(`Peut-être la même personne — professionnel au numéro RPPS ${rpps}`).waitFor();
    await section.getByText("Autre fiche : N'Diaye").waitFor();
    await section.getByText(/une lettre de différence/).first().waitFor();
    // Readable on a 390 px phone: nothing wider than the screen.
    const width = await own.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide`);
    await section.scrollIntoViewIfNeeded();
    await snap(own, "gestion-correspondance-probable");
    await own.locator("#conditions_checked").check();
    await own.getByRole("button", { name: /Valider et attribuer/ }).click();
    await assertFieldError(own, "#not_the_same_person", "même personne");
    await own.locator("#not_the_same_person").check();
    await own.getByRole("button", { name: /Valider et attribuer/ }).click();
    const second = (await own.locator("#rpps-attribue").textContent()).trim();
    assert.match(second, /^1\d{10}$/);
    assert.notEqual(second, rpps);
    await snap(own, "gestion-correspondance-validee");
  });

  await step("her number email bounced: the manager reads « e-mail non remis » on the request (issue 18)", async () => {
    const notice = own.locator("#email-non-remis");
    for (let i = 0; i < 20 && !(await notice.isVisible()); i += 1) {
      await own.reload();
      await own.getByRole("heading", { name: "Suivi" }).waitFor();
      if (await notice.isVisible()) break;
      await own.waitForTimeout(500);
    }
    await notice.getByText("E-mail du numéro RPPS non remis").waitFor();
    await notice.getByText(/Vérifiez l'adresse avec elle/).waitFor();
    await own.getByText("Numéro RPPS envoyé par e-mail").waitFor();
    const width = await own.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide`);
    await notice.scrollIntoViewIfNeeded();
    await snap(own, "gestion-email-non-remis");
  });

  await step("an aide whose employer registered her follows that request (FAQ-R1)", async () => {
    await registerAide(own, { family: "EL IDRISSI", given: "Fatima Zahra", born: "1979-03-01", country: { typed: "Maroc", label: "Maroc (99350)" } });
    await own.getByRole("heading", { name: /2\. Coordonnées/ }).waitFor();
    await own.fill("#email", "f.elidrissi@example.org");
    await own.fill("#start_date", "2026-11-02");
    await own.locator("#eligibilite-certification").check();
    await own.getByRole("button", { name: "Envoyer la demande" }).click();
    await own.getByText("Demande enregistrée et envoyée pour validation.").waitFor();
    const herCtx = await newContext();
    const her = await herCtx.newPage();
    await signIn(her, "/api/auth/franceconnect/login", "aide-nee-a-l-etranger");
    await her.waitForURL(BASE + "/demande");
    await her.locator("#demande-employeur").getByText("Votre employeur a déjà enregistré votre demande.").waitFor();
    await her.getByText("En attente de validation").waitFor();
    await her.getByText("Demande envoyée à l'établissement").waitFor();
    // Hers to follow, not to withdraw: the employer's.
    assert.equal(await her.getByRole("button", { name: "Retirer ma demande" }).count(), 0);
    await snap(her, "aide-suit-la-demande-employeur");
    await herCtx.close();
    await ownCtx.close();
  });

  await step("bulk validation: ticked requests, then all of an establishment, one declaration (issue 19)", async () => {
    // Five aides registered through the API by the signed-in manager (as an import would):
    // two of them probable matches of each other, left for a person's look.
    const session = await (await manager.request.get(BASE + "/api/session")).json();
    const call = async (method, path, body) => {
      const response = await manager.request.fetch(BASE + path, {
        method, data: body, headers: { origin: BASE, "x-csrf-token": session.csrf_token },
      });
      const json = await response.json().catch(() => null);
      assert.ok(response.ok(), `${method} ${path}: ${response.status()} ${JSON.stringify(json)}`);
      return json;
    };
    const names = [["Lotbrun", "1981-02-03"], ["Lotgris", "1982-03-04"], ["Lotvert", "1983-04-05"],
      ["Lotmartin", "1984-05-06"], ["Lotmartins", "1984-05-06"]];
    for (const [family, born] of names) {
      const draft = await call("POST", "/api/manager/registrations", { establishment: "750012346",
        family_name: family, given_names: "Léa", birth_date: born, birth_commune: "75115" });
      await call("PATCH", `/api/registrations/${draft.id}`, { email: `${family.toLowerCase()}@example.org`,
        start_date: "2026-11-02", eligibility: "certification", accuracy_confirmed: true });
      await call("POST", `/api/registrations/${draft.id}/submit`, {});
    }
    await manager.goto(BASE + "/gestion");
    await manager.getByRole("heading", { name: "Demandes à traiter" }).waitFor();
    // The establishments by name, the FINESS beside.
    await manager.locator("ul.etablissements li").filter({ hasText: /\S.* \(FINESS 750012346\)/ }).waitFor();
    const selection = manager.locator("#valider-selection");
    assert.equal(await selection.isDisabled(), true, "nothing ticked yet");
    await manager.getByLabel("Sélectionner la demande de Léa Lotbrun").check();
    await manager.getByLabel("Sélectionner la demande de Léa Lotgris").check();
    await manager.getByRole("button", { name: "Valider la sélection (2)" }).click();
    await assertFieldError(manager, "#bulk_conditions_checked", "Cochez d'abord la déclaration");
    await manager.locator("#bulk_conditions_checked").check();
    await manager.getByRole("button", { name: "Valider la sélection (2)" }).click();
    const progress = manager.locator("#validation-progression");
    await progress.getByText("Validation terminée").waitFor();
    await progress.getByText("2 / 2").waitFor();
    await progress.getByText("2 validée(s), 0 à examiner").waitFor();
    await progress.getByText("Voir les numéros RPPS attribués (2)").click();
    await progress.getByText(/Léa Lotbrun — RPPS 1\d{10}/).waitFor();
    await snap(manager, "gestion-validation-selection");
    // Every request still waiting at A, the probable matches reported with their reason.
    await manager.locator("#bulk_conditions_checked").check();
    await manager.locator('button[data-finess="750012346"]').click();
    await progress.getByText("Validation terminée").waitFor();
    await progress.locator("ul.echecs li").filter({ hasText: "Léa Lotmartin :" }).waitFor();
    await progress.locator("ul.echecs li").filter({ hasText: "Léa Lotmartins :" }).waitFor();
    await progress.getByText("2 à examiner").waitFor();
    const width = await manager.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide`);
    // What stays in the queue is what needs a look, each a link to its page.
    // Lotvert validated: the queue reloads once the validation is over (it may lag the bar).
    await manager.getByRole("link", { name: "Léa Lotvert" }).first().waitFor({ state: "detached" });
    await manager.getByRole("link", { name: "Léa Lotmartin", exact: true }).first().waitFor();
    assert.equal(await manager.getByRole("link", { name: "Léa Lotvert" }).count(), 0);
    await snap(manager, "gestion-validation-etablissement");
    // The same page on a desktop screen.
    const wide = await browser.newContext({ ...phone, viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });
    await wide.addCookies(await manager.context().cookies());
    const desk = await wide.newPage();
    await desk.goto(BASE + "/gestion");
    await desk.getByRole("heading", { name: "Valider plusieurs demandes" }).waitFor();
    await snap(desk, "gestion-validation-bureau");
    await wide.close();
  });

  await step("import of a team: a French Excel file, its errors per cell, a correction, a line set aside (issue 19)", async () => {
    await manager.goto(BASE + "/gestion");
    await manager.getByRole("link", { name: "Importer une équipe (fichier)" }).click();
    await manager.getByRole("heading", { level: 1, name: "Importer une équipe depuis un fichier" }).waitFor();
    assert.equal(await manager.locator("#modele-import").getAttribute("href"), "/api/manager/imports/template");
    // Nothing chosen, then too big for an import: told before anything is sent.
    await manager.getByRole("button", { name: "Vérifier le fichier" }).click();
    await assertFieldError(manager, "#fichier", "Choisissez le fichier");
    await manager.locator("#fichier").setInputFiles({ name: "trop-gros.csv", mimeType: "text/csv", buffer: Buffer.alloc(3 * 1024 * 1024, 97) });
    await manager.getByRole("button", { name: "Vérifier le fichier" }).click();
    await assertFieldError(manager, "#fichier", "2 Mo au plus");
    // As Excel writes « CSV (séparateur : point-virgule) » on a French Windows: Windows-1252.
    const file = [
      "Nom;Prénom(s);Date de naissance;Lieu de naissance;Département;Courriel;Date d'entrée;Éligibilité",
      "Importée;Chloé;08/03/1995;Saint-Étienne;42;chloe.importee@example.org;01/12/2026;diplôme",
      "Importé;Noël;31/02/1990;75115;;noel.importe@example.org;01/12/2026;expérience",
      "Importés;Léon;01/01/1991;Nullepart;;leon.importe@example.org;01/12/2026;diplôme",
    ].join("\r\n");
    await manager.locator("#fichier").setInputFiles({ name: "équipe.csv", mimeType: "text/csv", buffer: Buffer.from(file, "latin1") });
    await manager.getByRole("button", { name: "Vérifier le fichier" }).click();
    await manager.waitForURL(/\/gestion\/import\/[0-9a-f-]+$/);
    await manager.getByText("(Windows-1252 (ANSI), séparateur « ; »)", { exact: false }).waitFor();
    await manager.locator("#import-compte").filter({ hasText: "3 ligne(s) : 1 prête(s), 2 à corriger" }).waitFor();
    // The cell's message under the cell, corrected in place.
    await assertFieldError(manager, "#l3-birth_date", "");
    await snap(manager, "import-apercu");
    await manager.fill("#l3-birth_date", "28/02/1990");
    await manager.locator("#ligne-3").getByRole("button", { name: "Enregistrer la correction" }).click();
    await manager.locator("#import-compte").filter({ hasText: "2 prête(s), 1 à corriger" }).waitFor();
    // A line set aside, then its outcome in the summary.
    await manager.locator("#ligne-4").getByRole("button", { name: "Écarter cette ligne" }).click();
    await manager.locator("#import-compte").filter({ hasText: "1 écartée(s)" }).waitFor();
    await manager.locator("#ligne-4").getByRole("button", { name: "Reprendre cette ligne" }).waitFor();
    const width = await manager.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide`);
    // Closed and opened again: the import is where it was.
    await manager.reload();
    await manager.locator("#import-compte").filter({ hasText: "2 prête(s), 0 à corriger, 0 déjà connue(s) du registre, 1 écartée(s)" }).waitFor();
    await snap(manager, "import-corrige");
    // Confirmed: the page drives the job to its end; the line set aside is not created.
    await manager.getByRole("button", { name: "Confirmer et créer les 2 demande(s)" }).click();
    const progress = manager.locator("#import-progression");
    await progress.getByText("Import terminé").waitFor();
    await progress.getByText("2 / 2").waitFor();
    await progress.getByText("2 demande(s) créée(s)").waitFor();
    await snap(manager, "import-termine");
    await progress.getByRole("link", { name: "Valider les demandes créées" }).click();
    await manager.getByRole("link", { name: "Chloé Importée" }).waitFor();
    assert.equal(await manager.getByRole("link", { name: "Léon Importés" }).count(), 0);
  });

  await step("a 300-line file of a team, some lines wrong, to 300 RPPS numbers in one sitting (issue 19)", async () => {
    const family = ["Martin", "Lefèvre", "Dubois", "Garcia", "Benali", "Petit", "Moreau", "Da Silva", "Roux", "Faure"];
    const given = ["Marie", "Fatima", "Léa", "Chloé", "Aïcha", "Jean-Pierre", "Zoé", "Nathalie"];
    const places = [["75115", ""], ["69383", ""], ["Saint-Étienne", "42"], ["13208", ""], ["Nantes", "44"]];
    const letters = (i) => String.fromCharCode(97 + Math.floor(i / 26) % 26) + String.fromCharCode(97 + i % 26);
    const rows = ["Nom de naissance;Prénoms;Date de naissance;Commune de naissance;Département de naissance;E-mail;Mobile;Date de début;Éligibilité"];
    for (let i = 0; i < 300; i += 1) {
      const [commune, dep] = places[i % 5];
      const day = String(1 + i % 28).padStart(2, "0");
      const month = String(1 + Math.floor(i / 28) % 12).padStart(2, "0");
      const birth = i % 60 === 59 ? `31/02/${1950 + i % 40}` : `${day}/${month}/${1950 + i % 40}`;
      rows.push(`Equipe${family[i % 10].replace(/ /g, "")}${letters(i)};${given[i % 8]};${birth};${commune};${dep};equipe${i}@example.org;06 12 34 ${String(i % 100).padStart(2, "0")} ${String(Math.floor(i / 100)).padStart(2, "0")};01/12/2026;${i % 3 ? "diplôme" : "expérience"}`);
    }
    await manager.goto(BASE + "/gestion/import");
    await manager.locator("#fichier").setInputFiles({ name: "equipe-300.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\r\n"), "utf8") });
    await manager.getByRole("button", { name: "Vérifier le fichier" }).click();
    await manager.waitForURL(/\/gestion\/import\/[0-9a-f-]+$/);
    await manager.locator("#import-compte").filter({ hasText: "300 ligne(s) : 295 prête(s), 5 à corriger" }).waitFor();
    // The five impossible dates corrected in place, each its own day.
    for (let k = 0; k < 5; k += 1) {
      const card = manager.locator("article.ligne-import").filter({ has: manager.locator('input[aria-invalid="true"]') }).first();
      await card.locator('input[id$="-birth_date"]').fill(`0${k + 1}/03/1985`);
      await card.getByRole("button", { name: "Enregistrer la correction" }).click();
      await manager.locator("#import-compte").filter({ hasText: `${296 + k} prête(s)` }).waitFor();
    }
    await manager.getByRole("button", { name: "Confirmer et créer les 300 demande(s)" }).click();
    const progress = manager.locator("#import-progression");
    await progress.locator("progress").waitFor();
    await snap(manager, "import-300-en-cours");
    await progress.getByText("Import terminé").waitFor({ timeout: 300_000 });
    await progress.getByText("300 / 300").waitFor();
    // Validated with one declaration, the queue's 100 shown at a time.
    const numbers = new Set();
    for (let round = 0; round < 4; round += 1) {
      await manager.goto(BASE + "/gestion");
      await manager.getByRole("heading", { name: "Demandes à traiter" }).waitFor();
      const pending = manager.locator("li.selectionnable").filter({ hasText: "Equipe" });
      await pending.first().waitFor({ timeout: 5_000 }).catch(() => {});
      if (await pending.count() === 0) break;
      await manager.locator("#bulk_conditions_checked").check();
      await manager.locator('button[data-finess="750012346"]').click();
      const bar = manager.locator("#validation-progression");
      await bar.getByText("Validation terminée").waitFor({ timeout: 300_000 });
      await bar.getByText(/Voir les numéros RPPS attribués/).click();
      for (const text of await bar.locator("details li").allTextContents()) {
        const m = text.match(/RPPS (1\d{10})$/);
        if (m && /Equipe/.test(text)) numbers.add(m[1]);
      }
    }
    assert.equal(numbers.size, 300, `${numbers.size} numbers`);
    await snap(manager, "import-300-valide");
  });

  await step("the staff list downloads as a CSV for the payroll (issue 19)", async () => {
    await manager.goto(BASE + "/gestion/personnel");
    const link = manager.locator("#export-personnel");
    await link.waitFor();
    assert.equal(await link.getAttribute("href"), "/api/manager/staff/export");
    const [download] = await Promise.all([manager.waitForEvent("download"), link.click()]);
    assert.match(download.suggestedFilename(), /^personnel-rpps-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await (await manager.request.get(BASE + "/api/manager/staff/export")).text();
    assert.ok(csv.startsWith("\ufeffNom;Prénoms;Numéro RPPS;"), csv.slice(0, 80));
    assert.match(csv, /\r\nLotbrun;Léa;1\d{10};Aide à domicile qualifiée;750012346;/);
  });

  await step("deep link reload of a manager page", async () => {
    await manager.goto(BASE + "/gestion");
    await manager.reload();
    await manager.getByRole("heading", { name: "Demandes à traiter" }).waitFor();
    const response = await manager.goto(BASE + "/une/page/inconnue");
    assert.equal(response.status(), 200);
    await manager.getByRole("heading", { level: 1, name: "Page introuvable" }).waitFor();
    await snap(manager, "page-introuvable");
  });

  await step("signing out goes through the provider's logout and back home, checked by its state", async () => {
    const ctx = await newContext();
    const page = await ctx.newPage();
    await signIn(page, "/api/auth/psc/login?profil=gestionnaire", "manager-a");
    await page.waitForURL(BASE + "/gestion");
    await page.getByRole("button", { name: "Se déconnecter" }).click();
    // The provider's logout returns to /api/auth/logged-out with the state this browser keeps
    // in its cookie: home, not the guidance page.
    await page.waitForURL(BASE + "/");
    await page.getByRole("heading", { level: 1, name: /numéro RPPS/ }).waitFor();
    const me = await page.evaluate(async () => (await fetch("/api/session")).json());
    assert.equal(me.authenticated, false);
    await ctx.close();
  });

  await step("nothing was refused under the Content-Security-Policy, on any page", async () => {
    assert.deepEqual(refusals, []);
  });
} catch {
  failed = true;
} finally {
  await browser.close();
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed}/${results.length} browser steps passed; screenshots in ${SHOTS}`);
process.exit(failed ? 1 : 0);
