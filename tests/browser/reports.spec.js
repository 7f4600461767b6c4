// The village's reports from a 360 px phone with JavaScript off: a death confirmed by a second person
// of the kecamatan, a birth posted twice that counts once, a move to another village, an appointment,
// a correction and an objection to it, and an arrival. Screenshots of each form are kept.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');

const demo = require('./demo');

const { artifacts } = demo;

async function signIn(page, username) {
  await demo.signIn(page, username);
  await expect(page).toHaveURL(/\/$/);
}

async function signOut(page) {
  await page.click('nav form button');
}

async function narrow(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, page.url()).toBeLessThanOrEqual(360);
}

// Living adults of the operator's village that no death list or proposal names.
async function residents(page) {
  const me = await (await page.request.get('/api/v1/me')).json();
  const deaths = await (await page.request.get('/api/v1/proposals?kind=mark_deceased&status=all&per_page=200')).json();
  const named = new Set(deaths.items.map((p) => p.person_id));
  const out = [];
  for (let p = 1; p <= 5 && out.length < 8; p++) {
    const list = await (await page.request.get(`/api/v1/persons?per_page=100&page=${p}`)).json();
    for (const r of list.items) {
      const born = r.birth_date ? Number(r.birth_date.slice(0, 4)) : 0;
      if (r.life_status === 'alive' && r.village_code === me.region && !named.has(r.id) && born > 1950 && born < 2000) out.push(r);
    }
    if (!list.more) break;
  }
  expect(out.length, 'living adults in the village').toBeGreaterThan(4);
  return out;
}

test.beforeEach(async ({ page }) => {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.setViewportSize({ width: 360, height: 740 });
});

test('a death the village reports waits for the kecamatan, which confirms it', async ({ page }) => {
  await signIn(page, 'desa');
  const [who] = await residents(page);
  await page.goto(`/penduduk/${who.id}`);
  await page.click(`a[href="/penduduk/${who.id}/meninggal"]`);
  await expect(page.locator('body')).toContainText('dikonfirmasi oleh kecamatan atau kabupaten');
  await narrow(page);
  await page.screenshot({ path: path.join(artifacts, 'report-death-360.png'), fullPage: true });
  await page.fill('#tanggal', '2026-11-20');
  await page.fill('#tempat', 'Rumah, Dusun 1');
  await page.selectOption('#dokumen', 'surat_desa');
  await page.fill('#nomor', '474.3/07/2026');
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(20000, 7)]);
  await page.setInputFiles('#foto', { name: 'surat-kematian.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=konfirmasi/);
  // The photo went with it, byte for byte.
  const photoHref = await page.locator('a[href$="/foto"]').getAttribute('href');
  const photo = await page.request.get(photoHref);
  expect(photo.headers()['content-type']).toBe('image/jpeg');
  expect(Buffer.compare(await photo.body(), jpeg)).toBe(0);
  await expect(page.locator('.ok')).toContainText('menunggu konfirmasi kecamatan');
  await expect(page.locator('body')).toContainText('474.3/07/2026');
  // The reporter cannot approve it.
  await expect(page.locator('form[action$="/setujui"]')).toHaveCount(0);
  // … but may withdraw it.
  await expect(page.locator('form[action$="/tolak"]')).toHaveCount(1);
  const proposal = page.url().split('?')[0];
  await signOut(page);

  await signIn(page, 'kecamatan');
  // The dashboard says what waits for the kecamatan.
  await expect(page.locator('#menunggu')).toContainText('laporan kematian desa untuk dikonfirmasi');
  await page.goto(proposal);
  await narrow(page);
  await page.click('form[action$="/setujui"] button');
  await expect(page.locator('body')).toContainText('diterapkan');
  const person = await (await page.request.get(`/api/v1/persons/${who.id}`)).json();
  expect(person.person.life_status).toBe('deceased');
});

test('a birth posted twice counts once; a move, an appointment, a correction and an objection', async ({ page }) => {
  await signIn(page, 'desa');
  const people = await residents(page);
  const parent = people[1];

  // Birth: the same form posted twice (a retry on a weak connection) makes one child.
  await page.goto(`/penduduk/${parent.id}/kelahiran`);
  await narrow(page);
  await page.screenshot({ path: path.join(artifacts, 'report-birth-360.png'), fullPage: true });
  const form = {
    csrf: await page.inputValue('input[name=csrf]'),
    kirim: await page.inputValue('input[name=kirim]'),
    nama: 'Bayi Uji Kelahiran', jk: 'f', tanggal: '2026-11-30', tempat: 'Puskesmas', nik: '',
  };
  const first = await page.request.post(`/penduduk/${parent.id}/kelahiran`, { form, maxRedirects: 0 });
  const again = await page.request.post(`/penduduk/${parent.id}/kelahiran`, { form, maxRedirects: 0 });
  expect(first.status()).toBe(303);
  expect(again.status()).toBe(303);
  expect(first.headers().location).toContain('laporan=diterapkan');
  expect(again.headers().location).toContain('laporan=ulang');
  expect(again.headers().location.split('?')[0]).toBe(first.headers().location.split('?')[0]);
  await page.goto(`/penduduk?q=${encodeURIComponent('Bayi Uji Kelahiran')}`);
  await expect(page.locator('table tbody tr')).toHaveCount(1);

  // A form refused keeps what was typed.
  await page.goto(`/penduduk/${parent.id}/kelahiran`);
  await page.fill('#nama', 'Nama Tetap Ada');
  await page.selectOption('#jk', 'm');
  await page.fill('#tanggal', '2030-01-01');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page.locator('.err')).toContainText('masa depan');
  await expect(page.locator('#nama')).toHaveValue('Nama Tetap Ada');

  // Move to another village of the regency: it waits for that village.
  const mover = people[2];
  await page.goto(`/penduduk/${mover.id}/pindah`);
  await narrow(page);
  await page.screenshot({ path: path.join(artifacts, 'report-move-360.png'), fullPage: true });
  const options = await page.locator('#tujuan option').evaluateAll((os) => os.map((o) => o.value));
  const me = await (await page.request.get('/api/v1/me')).json();
  const other = options.find((v) => v !== 'luar' && v !== me.region);
  await page.selectOption('#tujuan', other);
  await page.fill('#tanggal', '2026-11-15');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=desa-lain/);

  // Appointment as PPPK: applied, the household leaves subsidised cover.
  const appointed = people[3];
  await page.goto(`/penduduk/${appointed.id}/pengangkatan`);
  await narrow(page);
  await page.selectOption('#status', 'pppk');
  await page.fill('#tmt', '2026-10-01');
  await page.fill('#sk', '800/1/BKPSDM/2026');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=diterapkan/);
  await expect(page.locator('body')).toContainText('civil_servant_status');
  await expect(page.locator('body')).toContainText('pppk');

  // Correction of the name, then an objection to it on the resident's behalf.
  const corrected = people[4];
  await page.goto(`/penduduk/${corrected.id}/koreksi`);
  await narrow(page);
  await page.selectOption('#kolom', 'name');
  await page.fill('#nilai', `${corrected.name} Koreksi`);
  await page.fill('#alasan', 'sesuai KTP-el');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=diterapkan/);
  await page.click('a[href$="/keberatan"]');
  await narrow(page);
  await page.fill('#oleh', 'Yang bersangkutan');
  await page.fill('#alasan', 'nama lama sudah benar');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=tinjau/);
  await expect(page.locator('body')).toContainText('Keberatan');
  await expect(page.locator('body')).toContainText('menunggu sejak');

  // Arrival with a NIK the regency does not know: a new resident of the village.
  await page.goto('/penduduk/datang');
  await narrow(page);
  await page.screenshot({ path: path.join(artifacts, 'report-arrival-360.png'), fullPage: true });
  await page.fill('#nik', '5371014507950003');
  await page.fill('#nama', 'Pendatang Uji');
  await page.selectOption('#jk', 'f');
  await page.selectOption('#hubungan', 'other');
  await page.fill('#asal', 'Kota Kupang');
  await page.fill('#tanggal', '2026-11-10');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=diterapkan/);

  // Pecah KK: a resident of a household of several heads a new card; the others stay.
  const used = new Set(people.map((p) => p.id));
  const list = (await (await page.request.get('/api/v1/persons?per_page=100')).json()).items
    .filter((p) => p.life_status === 'alive' && p.village_code === me.region && p.household_id);
  const sizes = {};
  for (const p of list) sizes[p.household_id] = (sizes[p.household_id] || 0) + 1;
  const head = list.find((p) => !used.has(p.id) && sizes[p.household_id] >= 2);
  expect(head, 'a resident of a household of several').toBeTruthy();
  await page.goto(`/penduduk/${head.id}/pecah-kk`);
  await narrow(page);
  await page.screenshot({ path: path.join(artifacts, 'report-split-360.png'), fullPage: true });
  await page.fill('#kk', '5304012611260002');
  await page.fill('#tanggal', '2026-11-01');
  await page.click('main form[method=post] button[type=submit]');
  await expect(page).toHaveURL(/laporan=diterapkan/);
  const after = await (await page.request.get(`/api/v1/persons/${head.id}`)).json();
  expect(after.person.household_id).not.toBe(head.household_id);
  expect(after.person.relationship).toBe('head');
});

test('the report forms are closed to roles that do not report', async ({ page }) => {
  await signIn(page, 'auditor');
  const person = (await (await page.request.get('/api/v1/persons?per_page=1')).json()).items[0];
  const r = await page.request.get(`/penduduk/${person.id}/meninggal`);
  expect(r.status()).toBe(403);
  await page.goto(`/penduduk/${person.id}`);
  await expect(page.locator(`a[href="/penduduk/${person.id}/meninggal"]`)).toHaveCount(0);
});
