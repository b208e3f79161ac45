/** A tiny DOM builder for the element's shadow tree (no framework, no innerHTML with user text). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function button(
  label: string,
  onClick: () => void,
  props: Record<string, string> = {},
): HTMLButtonElement {
  const node = el('button', { type: 'button', part: 'button', ...props }, label);
  node.addEventListener('click', onClick);
  return node;
}

/** A progress bar (`role=progressbar`, 0-100) and the way to move it. */
export function progressBar(label: string): {
  node: HTMLDivElement;
  set(percent: number, text: string): void;
} {
  const fill = el('div', { class: 'fill', part: 'bar-fill' });
  const node = el(
    'div',
    {
      class: 'bar',
      part: 'bar',
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-label': label,
    },
    fill,
  );
  return {
    node,
    set(percent, text) {
      fill.style.width = `${percent}%`;
      node.setAttribute('aria-valuenow', String(percent));
      node.setAttribute('aria-valuetext', text);
    },
  };
}
