// Browser tests for the homeward pages, driving the system's Chromium (never a downloaded
// browser) through playwright-core. Run by scripts/browser-tests.sh, which starts a fresh
// server and sets HOMEWARD_URL.
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

async function register(fields) {
  await go("/persons/new");
  for (const [name, value] of Object.entries(fields)) {
    const el = page.locator(`[name="${name}"]`);
    const tag = await el.evaluate((e) => e.tagName.toLowerCase() + ":" + (e.type || ""));
    if (tag.startsWith("select")) await el.selectOption(value);
    else if (tag.endsWith("checkbox")) await el.check();
    else await el.fill(String(value));
  }
  await Promise.all([page.waitForNavigation(), page.locator("#check").click()]);
  await page.locator("#candidates").waitFor();
  await Promise.all([page.waitForNavigation(), page.locator("#save-anyway").click()]);
  const m = page.url().match(/\/persons\/(\d+)$/);
  assert.ok(m, `registration did not open the new file: ${page.url()}`);
  return { id: m[1], number: (await page.locator("h1 .num").textContent()).trim() };
}

test("a page asks for sign-in first, and the registrar signs in", async () => {
  await page.goto(BASE + "/persons");
  assert.match(page.url(), /\/sign-in$/);
  await setLanguage("en");
  await shot("sign-in-en");
  await axe("sign-in (en)");
  await page.fill("#username", "registrar");
  await page.fill("#password", "homeward-demo");
  await Promise.all([page.waitForNavigation(), page.click("button.primary")]);
  assert.equal(new URL(page.url()).pathname, "/");
  assert.match(await page.locator(".demo-banner").textContent(), /synthetic/);
  const cookies = await context.cookies(BASE);
  const session = cookies.find((c) => c.name === "homeward_session");
  assert.ok(session?.httpOnly, "the session cookie is HttpOnly");
  assert.equal(session.sameSite, "Strict");
});

test("the main pages in English", async () => {
  await go("/");
  await shot("home-en");
  await go("/search?q=Mohammed");
  const text = await page.locator("table.list").textContent();
  assert.ok(/Muhammad|محمد/.test(text), "Mohammed finds Muhammad or محمد");
  await shot("search-en");
  await axe("search (en)");
  await go("/persons?sex=female&age_band=adult");
  await shot("persons-en");
  await axe("persons (en)");
  await go("/persons/new");
  await shot("register-en");
  await axe("register (en)");
  await go("/sites");
  await shot("sites-en");
  await axe("sites (en)");
  const first = await page.locator("table.list a").first().getAttribute("href");
  await go(first);
  await shot("site-en");
  await axe("site (en)");
});

test("switch to Arabic: the page turns right to left", async () => {
  await go("/");
  await setLanguage("ar");
  assert.equal(await page.evaluate(() => document.documentElement.dir), "rtl");
  await shot("home-ar");
  await axe("home (ar)");
});

test("register a mother with Arabic-script names and find her by a Latin spelling", async () => {
  state.mother = await register({
    "names[0].text": "سفيتلانا ايفانوفا",
    "names[0].kind": "as_registered",
    "names[1].text": "Светлана Иванова",
    "names[1].kind": "self_declared",
    sex: "female",
    year_of_birth: "1991",
    place_of_birth: "Казань",
    "nationalities[0]": "RU",
  });
  assert.equal(await page.evaluate(() => document.documentElement.dir), "rtl");
  assert.equal(await page.locator("bdi.name", { hasText: "سفيتلانا ايفانوفا" }).count(), 1);
  await go("/search?q=" + encodeURIComponent("Svetlana Ivanova"));
  const row = page.locator("tr", { hasText: state.mother.number });
  await row.waitFor();
  const text = await row.textContent();
  assert.ok(text.includes("سفيتلانا ايفانوفا"), "the Arabic form is found");
  assert.ok(text.includes("Светлана Иванова"), "the Cyrillic form is found");
  await shot("search-ar");
  await axe("search (ar)");
  await Promise.all([page.waitForNavigation(), row.locator("a").first().click()]);
  assert.match(page.url(), new RegExp(`/persons/${state.mother.id}$`));
});

test("register a child and link it from the mother's file", async () => {
  state.child = await register({
    "names[0].text": "علي ايفانوف",
    sex: "male",
    estimated_age: "6",
    age_basis: "فحص الأسنان",
    "nationalities[0]": "RU",
  });
  await go(`/persons/${state.mother.id}`);
  await page.selectOption("#link-relation", "child");
  await page.fill("#link-other", state.child.number);
  await Promise.all([page.waitForNavigation(), page.click("#link-form button[type=submit]")]);
  assert.ok(page.url().includes("linked=1"), `the link was refused: ${page.url()}`);
  const family = await page.locator("#family-panel").textContent();
  assert.ok(family.includes("علي ايفانوف"), "the child shows in the family panel");
  assert.equal(await page.evaluate(() => document.documentElement.dir), "rtl");
  await shot("person-ar");
  await axe("person (ar)");
  await go(`/persons/${state.mother.id}/family`);
  assert.equal(await page.locator("svg .node").count() >= 4, true);
  await shot("family-ar");
  await axe("family (ar)");
});

test("the main pages in Arabic", async () => {
  await go("/persons?sex=female&age_band=adult");
  await shot("persons-ar");
  await axe("persons (ar)");
  await go("/persons/new");
  await shot("register-ar");
  await axe("register (ar)");
  await go("/sites");
  await shot("sites-ar");
  await axe("sites (ar)");
  const first = await page.locator("table.list a").first().getAttribute("href");
  await go(first);
  await shot("site-ar");
  await axe("site (ar)");
});

test("the person file and family view in English, and a separated family", async () => {
  await setLanguage("en");
  await go(`/persons/${state.mother.id}`);
  assert.equal(await page.evaluate(() => document.documentElement.dir), "ltr");
  await shot("person-en");
  await axe("person (en)");
  // A demo child placed away from the mother shows the separation in words.
  await go("/persons?age_band=4-14");
  const child = await page.locator("table.list tbody a").first().getAttribute("href");
  await go(`${child}/family`);
  await shot("family-en");
  await axe("family (en)");
  const note = await page.locator("#separation").textContent();
  assert.ok(note.trim().length > 0);
});

test("field errors show beside their fields, in Arabic", async () => {
  await setLanguage("ar");
  await go("/persons/new");
  await page.fill('[name="names[0].text"]', "مريم");
  await page.selectOption("#sex", "male");
  await page.fill("#pregnant_expected_delivery", "2027-01-01");
  await page.fill("#year_of_birth", "1990");
  await Promise.all([page.waitForNavigation(), page.click("#save")]);
  const err = await page.locator("#err-pregnant_expected_delivery").textContent();
  assert.ok(err.includes("لا يمكن تسجيل الحمل إلا لامرأة أو فتاة"), err);
  assert.equal(await page.locator("#pregnant_expected_delivery").getAttribute("aria-invalid"), "true");
  await shot("register-errors-ar");
  await axe("register errors (ar)");
});

test("sign out", async () => {
  await go("/");
  await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-out"] button')]);
  assert.match(page.url(), /\/sign-in$/);
  await go("/sign-in");
  await shot("sign-in-ar");
  await page.goto(BASE + "/persons");
  assert.match(page.url(), /\/sign-in$/);
});
