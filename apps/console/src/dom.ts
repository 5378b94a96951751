/** A tiny element builder: text is always set as text, never parsed as HTML. */

type Child = Node | string | number | null | undefined | false;

/**
 * Create `tag` with attributes and children. Text (children and attribute values, e.g. a
 * `title` tooltip) goes through {@link visibleText}: much of what the console shows is an agent's
 * (tool names, arguments, reasons quoting them), and none of it may reorder or hide what is drawn.
 */
export function h(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, visibleText(value));
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(visibleText(String(child))) : child);
  }
  return element;
}

/** Replace the content of `parent`. */
export function mount(parent: HTMLElement, ...children: Node[]): void {
  parent.replaceChildren(...children);
}

// Bidirectional controls and invisible characters reorder or hide text on screen
// (`pay \u202Eevil` shows reversed): an approver must see every character that is signed.
const INVISIBLE = /[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** `text` with bidirectional controls and invisible characters spelled out as `\uXXXX`. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
