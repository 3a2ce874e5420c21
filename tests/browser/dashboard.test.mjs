// Browser tests for the dashboard: a monitor (aggregates only) sees the figures drawn as SVG
// with a table beside each chart, in English and in Arabic (right to left). Run by
// scripts/browser-tests.sh, which starts a fresh server with the demo and sets HOMEWARD_URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
// Evaluated through the DevTools protocol: the pages' policy forbids inline scripts.
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = process.env.HOMEWARD_URL ?? "http://127.0.0.1:8080";
const BROWSER = process.env.CHROMIUM ?? "/usr/bin/chromium";
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, "screenshots");
mkdirSync(SHOTS, { recursive: true });

let context;
let page;
let profile;
const state = {};

before(async () => {
  profile = mkdtempSync(join(tmpdir(), "homeward-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: BROWSER,
    headless: true,
    viewport: { width: 1366, height: 768 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  page = context.pages()[0] ?? (await context.newPage());
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function axe(label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${label}: accessibility violations\n${JSON.stringify(bad, null, 2)}`);
}

async function go(path) {
  const resp = await page.goto(BASE + path);
  assert.ok(resp.ok(), `${path}: HTTP ${resp.status()}`);
}

async function setLanguage(code) {
  const button = page.locator(`form.lang-switch button[value="${code}"]`);
  if ((await button.count()) > 0) {
    await Promise.all([page.waitForNavigation(), button.click()]);
  }
  assert.equal(await page.evaluate(() => document.documentElement.lang), code);
}

test("the monitor signs in and sees the dashboard in English", async () => {
  await page.goto(BASE + "/dashboard");
  assert.match(page.url(), /\/sign-in$/);
  await setLanguage("en");
  await page.fill("#username", "monitor");
  await page.fill("#password", "homeward-demo");
  await Promise.all([page.waitForNavigation(), page.click("button.primary")]);
  await go("/dashboard");
  assert.equal(await page.evaluate(() => document.documentElement.dir), "ltr");
  const charts = await page.locator("section.chart-panel svg").count();
  assert.ok(charts >= 8, `${charts} charts`);
  const tables = await page.locator("section.chart-panel table").count();
  assert.equal(tables, charts, "every chart has its table");
  const total = await page.locator("dl.figures dd").first().textContent();
  assert.ok(Number(total) > 1000, `total ${total}`);
  const nationality = await page.locator("#rpt-nationality table").textContent();
  assert.match(nationality, /Turkey|Türkiye/);
  await shot("dashboard-en");
  await axe("dashboard (en)");
});

test("the dashboard in Arabic reads right to left", async () => {
  await go("/dashboard");
  await setLanguage("ar");
  assert.equal(await page.evaluate(() => document.documentElement.dir), "rtl");
  const heading = await page.locator("h1").textContent();
  assert.match(heading, /لوحة المعلومات/);
  const nationality = await page.locator("#rpt-nationality table").textContent();
  assert.match(nationality, /تركيا/);
  await shot("dashboard-ar");
  await axe("dashboard (ar)");
  await setLanguage("en");
});

test("the situation report downloads as a PDF", async () => {
  const resp = await page.request.get(BASE + "/dashboard/sitrep.pdf?lang=en");
  assert.equal(resp.status(), 200);
  assert.equal(resp.headers()["content-type"], "application/pdf");
  const body = await resp.body();
  assert.equal(body.subarray(0, 5).toString(), "%PDF-");
});
