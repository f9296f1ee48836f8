// API keys (SIFT_AUTH=required, docs/security.md). When the server answers 401, the page asks
// for a key once, with a small form, keeps it in this browser's localStorage, and sends it as
// `Authorization: Bearer KEY` on every API request. The key never goes into a URL: URLs end up
// in logs, proxies and the browser's history, and siftd refuses a key found there.
// With keys off (the loopback default) nothing here shows.

import { el } from "./dom.js";

const STORAGE = "sift.apiKey";
let asking = null; // the form's pending answer, shared by every request that heard 401 meanwhile

function storedKey() {
  try {
    return localStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

/** `headers` with the stored key added, when there is one. */
export function withKey(headers = {}) {
  const key = storedKey();
  return key ? { ...headers, Authorization: "Bearer " + key } : headers;
}

/**
 * fetch() with the key. On 401 it asks for a key (once, whatever the number of requests waiting)
 * and sends the request again with it; a key that is refused too is forgotten and asked for again
 * at the next 401. `options.body` must be a string (it is sent twice).
 */
export async function apiFetch(url, options = {}) {
  const sent = storedKey();
  let response = await fetch(url, { ...options, headers: withKey(options.headers) });
  if (response.status !== 401) return response;
  const refused = await response.clone().json().catch(() => null);
  if (storedKey() === sent) forget();
  const key = await askForKey(sent ? "That key was refused: " + (refused?.error?.message ?? "it is not valid.") : null);
  if (!key) return response;
  response = await fetch(url, { ...options, headers: withKey(options.headers) });
  return response;
}

function forget() {
  try {
    localStorage.removeItem(STORAGE);
  } catch {
    // Storage may be off (private mode): the key is then asked for again next time.
  }
}

/** Shows the key form; resolves with the key entered, or null when dismissed. */
function askForKey(problem) {
  if (asking) return asking;
  asking = new Promise((resolve) => {
    const dialog = el("dialog", "key-dialog");
    dialog.id = "key-dialog";
    const form = el("form");
    form.method = "dialog";
    const title = el("h2", null, "This Sift needs an API key");
    const help = el(
      "p",
      null,
      "Ask its operator for one (they issue keys with “siftd keys add”). It is kept in this browser only.",
    );
    const label = el("label", null, "API key ");
    const input = el("input");
    input.type = "password";
    input.name = "key";
    input.id = "key-input";
    input.autocomplete = "off";
    input.required = true;
    input.placeholder = "sift_…";
    label.append(input);
    const save = el("button", null, "Use this key");
    save.type = "submit";
    save.id = "key-save";
    const dismiss = el("button", null, "Cancel");
    dismiss.type = "button";
    form.append(title, help);
    if (problem) form.append(el("p", "key-problem", problem));
    form.append(label, save, dismiss);
    dialog.append(form);
    document.body.append(dialog);

    const finish = (key) => {
      dialog.close();
      dialog.remove();
      asking = null;
      resolve(key);
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      try {
        localStorage.setItem(STORAGE, key);
      } catch {
        // Without storage the key still serves this request.
      }
      finish(key);
    });
    dismiss.addEventListener("click", () => finish(null));
    dialog.addEventListener("cancel", () => finish(null));
    dialog.showModal();
    input.focus();
  });
  return asking;
}
