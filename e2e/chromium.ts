import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/**
 * Which Chromium the browser tests drive. Playwright's own build when it is installed
 * (`npx playwright install chromium`), else the system one. Nothing is hard-coded beyond the
 * Debian path: `B2UP_CHROMIUM` overrides both.
 */
export function findChromium(): string | undefined {
  const candidates = [
    process.env.B2UP_CHROMIUM,
    safe(() => chromium.executablePath()),
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) {
    throw new Error(
      'No Chromium found for the browser tests. Install one of:\n' +
        '  npx playwright install chromium        (Playwright’s own build)\n' +
        '  sudo apt-get install -y chromium       (Debian/Ubuntu: /usr/bin/chromium)\n' +
        'or point B2UP_CHROMIUM at a Chromium/Chrome binary.',
    );
  }
  // Playwright's own build needs no executablePath; returning undefined lets it pick its own.
  return found === safe(() => chromium.executablePath()) ? undefined : found;
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Flags that keep Chromium quiet on a closed, shared CI machine. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
