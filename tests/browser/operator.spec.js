// A village operator's day in the browser, with JavaScript off: sign in, upload a registry file with an
// error and download the error report, review and approve a death, and see the dashboard change.
// Screenshots of the dashboard at 360 px and 1280 px are kept as artefacts.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');

const { artifacts, signIn } = require('./demo');

async function ucj(page) {
  await page.goto('/');
  return (await page.locator('#ucj').innerText()).replace(/\s+/g, ' ');
}

test('village operator: import with errors, approve a death, dashboard changes', async ({ page }) => {
  fs.mkdirSync(artifacts, { recursive: true });
  await signIn(page, 'desa');
  await expect(page).toHaveURL(/\/$/);
  const me = await (await page.request.get('/api/v1/me')).json();
  expect(me.role).toBe('operator_desa');
  const village = me.region;
  const before = await ucj(page);
  expect(before).toMatch(/%/);

  // Pages stay small for a phone on a weak connection.
  const home = await page.request.get('/');
  expect((await home.body()).length).toBeLessThan(100 * 1024);

  // Upload: one good row of the operator's village, one with a broken NIK, one of another village.
  const district = village.split('.').slice(0, 3).join('');
  const csv = [
    'NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan',
    `${district}1608780901,${district}2411140901,Agustinus Mau Uji,L,Atambua,1978-08-16,Dusun 2 RT 003,${village},Kepala Keluarga,Kawin,Petani/Pekebun`,
    `123,${district}2411140901,Baris Rusak,P,Atambua,1980-01-02,Dusun 2 RT 003,${village},Istri,Kawin,Petani/Pekebun`,
    `${district}0101900902,${district}2411140902,Desa Lain,L,Atambua,1990-01-01,Dusun 1,53.04.01.2001,Kepala Keluarga,Kawin,Petani/Pekebun`,
  ].join('\n') + '\n';
  await page.goto('/impor');
  await page.selectOption('#kind', 'registry');
  await page.setInputFiles('#file', { name: 'desa-uji.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('form[enctype] button[type=submit]');
  await expect(page.locator('#hasil')).toBeVisible();
  await expect(page.locator('#ditolak')).toHaveText('2');
  await expect(page.locator('body')).toContainText('berada di luar wilayah Anda');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#unduh')]);
  const report = fs.readFileSync(await download.path(), 'utf8');
  expect(report).toContain('KESALAHAN / ERROR');
  expect(report).toContain('Baris Rusak');
  expect(report).toContain('Desa Lain');
  expect(report).not.toContain('Agustinus Mau Uji');
  fs.writeFileSync(path.join(artifacts, 'error-report.csv'), report);

  // The accepted resident is found by a misspelt name.
  await page.goto('/penduduk?q=agustinis%20mau');
  await expect(page.locator('table')).toContainText('Agustinus Mau Uji');

  // A death of a working-age resident waits in the review queue.
  const list = await (await page.request.get('/api/v1/proposals?kind=mark_deceased&per_page=200')).json();
  let chosen = null;
  for (const p of list.items) {
    const person = await (await page.request.get(`/api/v1/persons/${p.person_id}`)).json();
    const born = person.person.birth_date;
    const age = born ? 2026 - Number(born.slice(0, 4)) : 0;
    if (age >= 20 && age <= 55) { chosen = p; break; }
  }
  expect(chosen, 'a pending death of a working-age resident in the village').not.toBeNull();
  await page.goto('/tinjau');
  await page.click(`a[href="/tinjau/${chosen.id}"] >> nth=0`);
  await expect(page.locator('h3', { hasText: 'Bukti' })).toBeVisible();
  await expect(page.locator('body')).toContainText('Registri');
  await page.screenshot({ path: path.join(artifacts, 'review.png'), fullPage: true });
  await page.click('form[action$="/setujui"] button');
  await expect(page.locator('body')).toContainText('diterapkan');

  // The dashboard shows the change (the month's snapshot is refreshed in the background).
  await expect.poll(async () => ucj(page), { timeout: 15_000 }).not.toBe(before);

  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  await page.screenshot({ path: path.join(artifacts, 'dashboard-360.png'), fullPage: true });
  // Nothing sticks out sideways on a 360 px phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(overflow).toBeLessThanOrEqual(360);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await page.screenshot({ path: path.join(artifacts, 'dashboard-1280.png'), fullPage: true });
});

test('an operator cannot open another village, and the English switch works', async ({ page }) => {
  await signIn(page, 'desa');
  const other = await page.request.get('/wilayah/53.04.01.2001');
  expect(other.status()).toBe(404);
  await page.goto('/bahasa/en');
  await page.goto('/');
  await expect(page.locator('nav')).toContainText('Residents');
  await page.goto('/bahasa/id');
});

test('the auditor reads NIKs masked', async ({ page }) => {
  await signIn(page, 'auditor');
  const found = await (await page.request.get('/api/v1/persons?per_page=5')).json();
  expect(found.items.length).toBeGreaterThan(0);
  for (const p of found.items) {
    if (p.nik) expect(p.nik).toMatch(/^\d{4}\*{8}\d{4}$/);
  }
  await page.goto(`/penduduk/${found.items[0].id}`);
  await expect(page.locator('table').first()).toContainText('********');
});

test('a death claim from candidate to paid: the village gathers it, BPJS verifies and pays', async ({ page }) => {
  await signIn(page, 'desa');
  // A pending death of a member paid up to the month of death: approving it opens a claim candidate.
  const list = await (await page.request.get('/api/v1/proposals?kind=mark_deceased&per_page=200')).json();
  let covered = null;
  for (const p of list.items) {
    const died = (p.changes.find((c) => c.field === 'death_date') || {}).after;
    const person = await (await page.request.get(`/api/v1/persons/${p.person_id}`)).json();
    const paid = person.enrolments.some((e) => !e.end_date && e.start_date && e.start_date <= died
      && e.paid_through && e.paid_through >= died.slice(0, 8) + '01');
    if (died && paid) { covered = p; break; }
  }
  if (covered) {
    await page.goto(`/tinjau/${covered.id}`);
    await page.click('form[action$="/setujui"] button');
    await expect(page.locator('body')).toContainText('diterapkan');
  }
  // Either way (the first test may already have approved the village's covered death) a candidate waits.
  await page.goto('/klaim?status=candidate');
  await expect(page.locator('table tbody tr')).not.toHaveCount(0);
  const link = page.locator('table tbody tr').first().locator('a').first();
  await link.click();
  await expect(page.locator('body')).toContainText('kandidat');
  // Submitting too early names what is missing.
  await page.click('form[action$="/ajukan"] button');
  await expect(page.locator('.err')).toContainText('dokumen belum lengkap');
  // Every document, one heir.
  for (const box of await page.locator('input[name=dokumen]').all()) await box.check();
  await page.fill('#waris', 'Maria Goreti Uji');
  await page.selectOption('#waris_hub', 'spouse');
  await page.click('form[action$="/data"] button[type=submit]');
  await expect(page.locator('body')).toContainText('Maria Goreti Uji');
  // The benefit as the regulation gives it for a death: Rp 20 jt + 12 jt + 10 jt.
  await expect(page.locator('body')).toContainText('Rp 42.000.000');
  await page.click('form[action$="/ajukan"] button');
  await expect(page.locator('body')).toContainText('diajukan');
  const claimUrl = page.url();
  await page.screenshot({ path: path.join(artifacts, 'claim.png'), fullPage: true });
  // The village cannot verify its own claim.
  await expect(page.locator('form[action$="/verifikasi"]')).toHaveCount(0);
  await page.click('nav form button');

  await signIn(page, 'bpjs');
  await page.goto(claimUrl);
  await page.click('form[action$="/verifikasi"] button');
  await expect(page.locator('body')).toContainText('diverifikasi');
  await page.click('form[action$="/bayar"] button');
  await expect(page.locator('body')).toContainText('dibayar');
  await page.goto('/klaim');
  await expect(page.locator('body')).toContainText('Santunan dibayar');
  await expect(page.locator('body')).toContainText('Rp 42.000.000');
});

test('a user the admin creates must change the password first, even in the demo', async ({ page }) => {
  await signIn(page, 'admin');
  const username = `uji${Date.now() % 100000}`;
  await page.goto('/pengguna');
  await page.fill('#nu', username);
  await page.fill('#nf', 'Operator Uji');
  await page.selectOption('#nr', 'auditor');
  const me = await (await page.request.get('/api/v1/me')).json();
  await page.fill('#ng', me.region);
  await page.fill('#np', 'kopi-pagi-atambua');
  await page.click('form[action="/pengguna"] button[type=submit]');
  await expect(page.locator('body')).toContainText(username);
  await page.click('nav form button');
  await page.goto('/masuk');
  await page.fill('#username', username);
  await page.fill('#password', 'kopi-pagi-atambua');
  await page.click('button[type=submit]');
  await expect(page).toHaveURL(/\/akun\/sandi$/);
  await page.goto('/penduduk');
  await expect(page).toHaveURL(/\/akun\/sandi$/);
});

test('the exports page offers any month, and its links are for that month', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/ekspor');
  await page.fill('#bulan', '2026-08');
  await page.click('form[action="/ekspor"] button[type=submit]');
  await expect(page).toHaveURL(/bulan=2026-08/);
  const href = await page.locator('a[href^="/ekspor/pemberhentian.xlsx"]').getAttribute('href');
  expect(href).toContain('bulan=2026-08');
  const file = await page.request.get(href);
  expect(file.status()).toBe(200);
});

test('the dashboard cost and the budget agree and say why they differ', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/');
  const cards = page.locator('.card');
  const uncovered = (await cards.filter({ hasText: 'pekerja belum terlindungi' }).locator('b').innerText()).trim();
  const everyone = (await cards.filter({ hasText: 'bila semuanya diiur' }).locator('b').innerText()).trim();
  await page.click('a[href="/anggaran"]');
  await expect(page).toHaveURL(/\/anggaran$/);
  const body = page.locator('main');
  // The same workers and the dashboard's figure, then what the programme can take and why not more.
  await expect(page.locator('.card').first().locator('b')).toHaveText(uncovered);
  await expect(body).toContainText(everyone);
  await expect(body).toContainText('tidak memenuhi syarat program ini');
  await page.setViewportSize({ width: 360, height: 740 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await page.screenshot({ path: path.join(artifacts, 'budget-360.png'), fullPage: true });
});

test('no page scrolls sideways on a 360 px phone', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const who of ['admin', 'desa']) {
    await signIn(page, who);
    const pages = ['/', '/penduduk', '/tinjau', '/impor', '/program', '/klaim', '/ekspor', '/audit', '/anggaran', '/akun/sandi'];
    if (who === 'admin') pages.push('/pengguna', '/desa-terkini');
    // A resident's page and a proposal's page, whatever the demo holds.
    const person = (await (await page.request.get('/api/v1/persons?per_page=1')).json()).items[0];
    if (person) pages.push(`/penduduk/${person.id}`);
    const proposal = (await (await page.request.get('/api/v1/proposals?per_page=1')).json()).items?.[0];
    if (proposal) pages.push(`/tinjau/${proposal.id}`);
    for (const url of pages) {
      await page.goto(url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 360) await page.screenshot({ path: path.join(artifacts, `wide-${who}${url.replace(/\W+/g, '-')}.png`), fullPage: true });
      expect(width, `${who} ${url}`).toBeLessThanOrEqual(360);
    }
    await page.click('nav form button');
  }
});

test('the review queue counts by kind and band, names the resident, and goes on after a decision', async ({ page }) => {
  await signIn(page, 'desa');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/tinjau');
  const counts = page.locator('table.counts');
  await expect(counts).toBeVisible();
  await page.screenshot({ path: path.join(artifacts, 'review-queue-360.png'), fullPage: true });
  // The total row sums the kinds.
  const total = Number((await counts.locator('tbody tr').last().locator('th').last().innerText()).trim());
  const list = await (await page.request.get('/api/v1/proposals?per_page=200')).json();
  expect(total).toBeGreaterThanOrEqual(list.items.length);
  // A band filter from the counts.
  await counts.locator('a[href*="pita="]').first().click();
  await expect(page).toHaveURL(/pita=/);
  // A village filters by hamlet, as its residents' addresses name them.
  await page.goto('/tinjau');
  const hamlets = await page.locator('select[name=dusun] option').evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
  expect(hamlets.length).toBeGreaterThan(1);
  await page.selectOption('select[name=dusun]', hamlets[0]);
  await page.click('main form[method=get] button[type=submit]');
  await expect(page).toHaveURL(new RegExp(`dusun=${encodeURIComponent(hamlets[0]).replace(/%20/g, '(\\+|%20)')}`));
  await expect(page.locator('select[name=dusun]')).toHaveValue(hamlets[0]);
  // Decile updates, the bulk of a village's queue: each names its resident.
  await page.goto('/tinjau?jenis=desil_update');
  const rows = page.locator('table:not(.counts) tbody tr');
  expect(await rows.count()).toBeGreaterThan(1);
  await expect(rows.first().locator('b')).not.toHaveText('');
  // Approve one; the next of the same kind opens with what became of this one.
  const first = await rows.first().locator('a').first().getAttribute('href');
  await page.goto(first);
  await page.click('form[action$="/setujui"] button');
  await expect(page.locator('.ok')).toContainText('diterapkan');
  expect(page.url()).toContain('diputuskan=');
  expect(page.url()).not.toContain(first + '?');
});
