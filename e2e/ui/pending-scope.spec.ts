/**
 * The "can be resumed" list is one user's on one broker. In the demo the element panel signs in as
 * "demo" and the React and Vue panels as "guest": an upload a guest left unfinished is offered in
 * both guest panels after a reload and never in the element's; and once one panel finishes it,
 * the other panel stops offering it, without a reload.
 */
import { expect, test } from '@playwright/test';
import { holdParts, makeFile, MIN_PART_SIZE, storedSha1, useDemo } from './support.js';

const demo = useDemo(test, 'b2up-ui-scope-');

test('pending uploads are scoped to the signed-in user, and every list refreshes when one finishes', async ({
  page,
}) => {
  const file = await makeFile(demo.dir, 'guest-file.bin', 3 * 1024 * 1024 + 5, 41);
  await page.goto(`${demo.server.url}/?partSize=${MIN_PART_SIZE}`);
  const element = page.locator('#element-uploader');
  const react = page.locator('#react-root b2up-uploader');
  const vue = page.locator('#vue-root b2up-uploader');
  await expect(react.locator('.zone')).toBeVisible();

  // A guest upload in the React panel, caught mid-way, then the page goes away.
  const parts = await holdParts(page, 3);
  const chooser = page.waitForEvent('filechooser');
  await react.locator('.zone').click();
  await (await chooser).setFiles(file.path);
  await expect
    .poll(async () =>
      Number(
        await react
          .locator('li.row', { hasText: file.name })
          .getByRole('progressbar')
          .getAttribute('aria-valuenow'),
      ),
    )
    .toBeGreaterThan(0);
  await page.reload();
  await parts.release();

  for (const guest of [react, vue]) {
    await expect(guest.locator('section.pending')).toBeVisible();
    await expect(guest.locator('section.pending')).toContainText(file.name);
  }
  // Another user on the same page (and the same browser) is not offered the guest's file.
  await expect(element.locator('.zone')).toBeVisible();
  await expect(element.locator('section.pending')).toBeHidden();

  // The Vue panel finishes it; the React panel's list drops it by itself.
  const again = page.waitForEvent('filechooser');
  await vue
    .locator('section.pending')
    .getByRole('button', { name: `Choose ${file.name} again to resume it` })
    .click();
  await (await again).setFiles(file.path);
  await expect(vue.locator('li.row', { hasText: file.name })).toHaveAttribute('data-state', 'done', {
    timeout: 60_000,
  });
  await expect(vue.locator('li.row', { hasText: file.name })).toContainText('resumed');
  await expect(react.locator('section.pending')).toBeHidden();
  expect(await storedSha1(demo.server, file.name)).toBe(file.sha1);
});
