// Opens an HTML report in headless Chromium (Debian's, through playwright-core)
// and checks what a person would see: the failed scenario and its failed
// step, the order's path on the lifecycle drawing, and the forbidden change
// marked in red. Writes a screenshot of the page and of the drawing.
// Usage: node ci/html_report_check.mjs REPORT.html SCREENSHOT.png
// playwright-core lives in build/npm-tools, not beside this script: its
// entry point comes in PLAYWRIGHT_CORE.
const { chromium } = await import(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const [report, screenshot] = process.argv.slice(2);
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); else console.log(`ok: ${what}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests = [];
  page.on('request', r => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto('file://' + report);
  check(requests.length === 0, 'the report loads nothing from the network');
  check((await page.title()).startsWith('Conformance run: 1 failed'), 'the title says one scenario failed');

  const scenario = page.locator('section.scenario.failed[data-scenario$="canceled_then_completed"]');
  check(await scenario.isVisible(), 'the failed scenario is shown');
  const step = scenario.locator('.step.failed[data-step="the canceled order stays canceled"]');
  check(await step.isVisible(), 'its failed step is shown by name');
  const stepText = await step.innerText();
  check(stepText.includes('CANCELED is terminal in spec/lifecycle.yaml but changed to COMPLETED'),
        'the failure says the terminal state changed');
  check(stepText.includes('why this is a rule: source: issue 2, "A canceled PROCESSING order never becomes COMPLETED'),
        'the failure shows the sentence that makes it a rule');
  check(stepText.includes('rule HL-I2-022 (MUST, issue 2): A canceled PROCESSING order never becomes COMPLETED'),
        'the failure names its rule of the ledger, its level and its source');
  check(stepText.includes('GET ') && stepText.includes('/purchase/info?order_id='), 'the request is shown');
  check(/"status":\s*"COMPLETED"/.test(stepText), 'the response is shown');

  const figure = scenario.locator('figure.order.illegal');
  check(await figure.isVisible(), "the order's lifecycle drawing is shown");
  check((await figure.locator('figcaption').innerText()).includes('PROCESSING → CANCELED → COMPLETED'),
        'the caption reads the observed path');
  for (const [from, to] of [['', 'PROCESSING'], ['PROCESSING', 'CANCELED']]) {
    const edge = figure.locator(`path.edge.taken[data-from="${from}"][data-to="${to}"]`);
    const box = await edge.boundingBox();
    check(box !== null && box.width > 10, `the path's step ${from || 'entry'} -> ${to} is highlighted`);
  }
  const illegal = figure.locator('path.edge.illegal[data-from="CANCELED"][data-to="COMPLETED"]');
  const box = await illegal.boundingBox();
  check(box !== null && (box.width > 10 || box.height > 10), 'the forbidden change CANCELED -> COMPLETED is drawn');
  const stroke = await illegal.evaluate(e => getComputedStyle(e).stroke);
  check(stroke === 'rgb(220, 38, 38)', `the forbidden change is red (stroke ${stroke})`);
  check(await figure.locator('g.state.illegal-target[data-state="COMPLETED"]').isVisible(),
        'the state it went to is marked');
  for (const s of ['PROCESSING', 'CANCELED'])
    check(await figure.locator(`g.state.visited[data-state="${s}"]`).isVisible(), `${s} is marked visited`);
  check(!(await figure.locator('g.state.visited[data-state="FAILED"]').count()), 'FAILED, never visited, is not marked');

  await page.screenshot({ path: screenshot, fullPage: true });
  await figure.screenshot({ path: screenshot.replace(/\.png$/, '-order.png') });
  console.log(`screenshots: ${screenshot}, ${screenshot.replace(/\.png$/, '-order.png')}`);
} finally {
  await browser.close();
}
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
