/**
 * A connection opened ahead to where parts will go. On a far link a new connection costs a round
 * trip (two with TLS) before its first request: the start answer names B2's upload host while the
 * first part may still be hashing, so its connection opens meanwhile instead of after. Browsers
 * only, as a `<link rel="preconnect">` hint (which a browser may ignore); elsewhere nothing.
 */

/** How long a hint stays in the page: browsers close an unused preconnected socket well before. */
const HINT_MS = 30_000;

export type Preconnect = (url: string) => void;

export function browserPreconnect(): Preconnect {
  const hinted = new Set<string>();
  return (url) => {
    if (typeof document === 'undefined' || typeof location === 'undefined' || !document.head) return;
    let origin: string;
    try {
      origin = new URL(url, location.href).origin;
    } catch {
      return;
    }
    // The page's own origin has its connections already.
    if (origin === 'null' || origin === location.origin || hinted.has(origin)) return;
    hinted.add(origin);
    const link = document.createElement('link');
    link.rel = 'preconnect';
    link.href = origin;
    // Parts go without credentials (XMLHttpRequest without withCredentials): a browser keeps those
    // on other connections than credentialed ones, and `crossorigin` asks for that kind.
    link.crossOrigin = 'anonymous';
    document.head.append(link);
    setTimeout(() => {
      link.remove();
      hinted.delete(origin);
    }, HINT_MS);
  };
}
