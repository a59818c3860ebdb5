// Drives /dashboard in Debian's headless Chromium through playwright-core and prints one JSON
// report on stdout. Usage: node drive.mjs BASE_URL API_KEY USER_ID ARTIFACTS_DIR USER_DATA_DIR BROWSER
// Steps: a wrong key (the 401 must show in the page), then the right key and a user id; waits
// until every panel has data; records each panel's state, each chart's drawn pixels, the runs table,
// every request URL the page made, console errors, horizontal overflow; screenshots at 1280x800
// and at phone width (390x844).
// The price chart is then switched to the last hour in USD (it must redraw with that range).
import { chromium } from "playwright-core";

const [base, key, userId, artifacts, userDataDir, browser] = process.argv.slice(2);
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const PANELS = ["ready", "queues", "cap", "price", "runs", "assets", "user"];

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: browser, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 },
});
const report = { requests: [], consoleErrors: [], panels: {}, charts: {} };
try {
  const page = context.pages()[0] || await context.newPage();
  page.on("request", (req) => report.requests.push(req.url()));
  page.on("console", (msg) => { if (msg.type() === "error") report.consoleErrors.push(msg.text()); });
  await page.goto(base + "/dashboard", { waitUntil: "load" });

  await page.fill("#key", "fido_wrong-key");
  await page.click("#key-form button[type=submit]");
  await page.waitForFunction(() => !document.getElementById("error").hidden, null, { timeout: 15000 });
  report.wrongKeyBanner = await page.textContent("#error");
  await page.click("#forget");

  await page.fill("#key", key);
  await page.click("#key-form button[type=submit]");
  await page.fill("#user-id", userId);
  await page.click("#user-form button[type=submit]");
  await page.waitForFunction((names) => names.every((n) => {
    const el = document.querySelector('[data-panel="' + n + '"]');
    return el && el.dataset.state === "ok";
  }), PANELS, { timeout: 30000 }).catch(() => {});
  report.bannerAfter = await page.evaluate(() => document.getElementById("error").hidden ? "" : document.getElementById("error").textContent);
  for (const name of PANELS) {
    report.panels[name] = await page.evaluate((n) => {
      const el = document.querySelector('[data-panel="' + n + '"]');
      return { state: el.dataset.state || null, error: el.querySelector(".panel-error").textContent };
    }, name);
  }
  for (const id of ["price-chart", "user-chart"]) {
    report.charts[id] = await page.evaluate((chartId) => {
      const box = document.getElementById(chartId), canvas = box.querySelector("canvas");
      if (!canvas) return { points: 0, inked: 0 };
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
      return { points: Number(box.dataset.points || 0), inked, width: canvas.width };
    }, id);
  }
  await page.selectOption("#range", "1h");
  await page.selectOption("#currency", "USD");
  await page.waitForFunction(() => {
    const box = document.getElementById("price-chart");
    return box.dataset.key === "1hUSD" && Number(box.dataset.points) > 0;
  }, null, { timeout: 15000 }).catch(() => {});
  report.switchedTo = await page.evaluate(() => document.getElementById("price-chart").dataset.key);
  report.runsRows = await page.locator("#runs tr").count();
  report.assetRows = await page.locator("#assets tr").count();
  report.scoreText = await page.textContent("#score");
  await page.screenshot({ path: artifacts + "/dashboard-1280x800.png", fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.body.dataset.width === "390", null, { timeout: 10000 });
  report.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: artifacts + "/dashboard-390x844.png", fullPage: true });
} catch (err) {
  report.failure = String(err && err.stack || err);
} finally {
  await context.close();
}
console.log(JSON.stringify(report));
