import { createHash } from 'node:crypto';

/** Text for HTML content or a quoted attribute: everything Clerk sends (names, emails, messages) goes through this. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

// The page's only style, allowed by its hash: no inline script and no other source of anything.
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f6f7;color:#1f1f23}
main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}p.said{margin:.25rem 0;white-space:pre-wrap}p.error{color:#b00020;font-weight:600}
label{display:block;margin:1rem 0 .25rem;font-weight:600}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1rem;padding:.5rem 1.25rem;font-size:1rem}small{color:#555}
fieldset{border:0;padding:0;margin:1rem 0 0}legend{font-weight:600;padding:0}label.option{display:flex;gap:.5rem;font-weight:400;margin:.5rem 0}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Headers on every answer: nothing cached, framed, sniffed, or loaded from anywhere. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'Cache-Control': 'no-store',
  // Not no-referrer: under it the browser sends `Origin: null` with the form's POSTs, and the
  // Origin check could no longer tell this page from any sandboxed frame. same-origin sends
  // nothing to any other site, and the page links nowhere else.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** What the page shows: lines said since the last answer, then a question to answer or the end. */
export interface View {
  readonly title: string;
  readonly said: readonly string[];
  readonly error?: string;
  readonly form?: { readonly action: string; readonly csrf: string; readonly step: number; readonly question: string; readonly secret: boolean; readonly options?: readonly string[] | undefined };
  /** Reload after this many seconds (a step still waiting for Clerk). */
  readonly refreshSeconds?: number;
  readonly footer?: string;
}

/** The whole page as server-rendered HTML: works without JavaScript (there is none). */
export function renderPage(view: View): string {
  const said = view.said.map((line) => `<p class="said">${escapeHtml(line)}</p>`).join('\n');
  const error = view.error ? `<p class="error" role="alert">${escapeHtml(view.error)}</p>` : '';
  const refresh = view.refreshSeconds ? `<meta http-equiv="refresh" content="${view.refreshSeconds}">` : '';
  const form = view.form ? renderForm(view.form) : '';
  const footer = view.footer ? `<p><small>${escapeHtml(view.footer)}</small></p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${escapeHtml(view.title)} · clerk-invitations-mcp</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(view.title)}</h1>
${said}
${error}
${form}
${footer}
</main></body></html>
`;
}

function renderForm(form: NonNullable<View['form']>): string {
  const question = form.question.replace(/[:\s]+$/, '');
  const hidden = `<input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">
<input type="hidden" name="step" value="${form.step}">`;
  if (form.options) {
    const options = form.options.map((option, i) => `<label class="option"><input type="radio" name="answer" value="${i}"${i === 0 ? ' checked' : ''}>${escapeHtml(option)}</label>`).join('\n');
    return `<form method="post" action="${escapeHtml(form.action)}">
${hidden}
<fieldset><legend>${escapeHtml(question)}</legend>
${options}
</fieldset>
<button type="submit">Continue</button>
</form>`;
  }
  const type = form.secret ? 'password' : 'text';
  // Codes and passwords come from a password manager or an authenticator: let the browser help.
  const autocomplete = form.secret ? (/password/i.test(question) ? 'current-password' : 'one-time-code') : /email|username/i.test(question) ? 'username' : 'off';
  return `<form method="post" action="${escapeHtml(form.action)}">
${hidden}
<label for="answer">${escapeHtml(question)}</label>
<input id="answer" name="answer" type="${type}" autocomplete="${autocomplete}" autofocus>
<button type="submit">Continue</button>
</form>`;
}
