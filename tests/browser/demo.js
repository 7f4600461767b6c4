// What the browser specs share: where artefacts go, the demo accounts' password, signing in.
const path = require('path');

const artifacts = process.env.JARING_ARTIFACTS || path.join(__dirname, 'artifacts');
const password = 'belu-demo-2026';

async function signIn(page, username, secret = password) {
  await page.goto('/masuk');
  await page.fill('#username', username);
  await page.fill('#password', secret);
  await page.click('button[type=submit]');
}

module.exports = { artifacts, password, signIn };
