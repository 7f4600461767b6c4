// Debian's Chromium, never a downloaded browser; JavaScript off, because every page must work without it.
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: '.',
  timeout: 120_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: process.env.JARING_ARTIFACTS ? `${process.env.JARING_ARTIFACTS}/playwright` : 'test-results',
  use: {
    baseURL: process.env.JARING_URL || 'http://127.0.0.1:8080',
    javaScriptEnabled: false,
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
  },
});
