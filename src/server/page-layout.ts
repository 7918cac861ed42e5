import { SafeHtml, html } from './html.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{font-size:18px;margin:0}header p{margin:4px 0 0;color:#c9cfdb;font-size:13px}
header a{color:#c9cfdb}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
.slo{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:16px 20px;margin:0 0 16px}
.slo h2{font-size:17px;margin:0 0 2px}.slo h3{font-size:14px;margin:14px 0 0}.muted{color:#5d6677;font-size:13px}
.head{display:flex;gap:28px;flex-wrap:wrap;align-items:center;margin:12px 0}
.big{font-size:24px;font-weight:600}.label{font-size:12px;color:#5d6677;text-transform:uppercase;letter-spacing:.04em}
.tier{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;font-size:13px}
.tier-ok{background:#daf3e1;color:#14632f}.tier-warning{background:#fff0cc;color:#7a5200}.tier-critical{background:#fde0e0;color:#8c1414}
.bar{width:220px;height:12px;background:#eceff3;border-radius:6px;overflow:hidden}.bar>div{height:100%}
.fill-ok{background:#2f9e55}.fill-warning{background:#d99a00}.fill-critical{background:#d33}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 12px 4px 0;text-align:right;font-variant-numeric:tabular-nums}th:first-child,td:first-child{text-align:left}
th{font-size:12px;color:#5d6677;font-weight:600}
td.group{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px;overflow-wrap:anywhere}
svg{display:block;margin-top:6px}
.reports li{margin:2px 0}
`;

/** The Content-Security-Policy of every HTML page: self-contained, so every external load and all scripts are forbidden. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

/** Wraps a page's header and main content in the one HTML document every page shares (style inline, no scripts). */
export function renderDocument(title: string, header: SafeHtml, main: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>${header}</header>
<main>
${main}
</main>
</body>
</html>
`.text;
}

/** Links to the first, previous, next and last page of a paginated list, keeping `at`. */
export function renderPageLinks(page: number, pages: number, at: string | undefined): SafeHtml {
  const href = (p: number) => `?page=${p}${at === undefined ? '' : `&at=${encodeURIComponent(at)}`}`;
  const link = (p: number, text: string, rel: string) => (p === page || p < 1 || p > pages ? html`<span class="muted">${text}</span>` : html`<a href="${href(p)}" rel="${rel}" data-page="${p}">${text}</a>`);
  return html`<nav class="pages" aria-label="pages" data-page="${page}" data-pages="${pages}"><p>${link(1, '« first', 'first')} · ${link(page - 1, '‹ previous', 'prev')} · page ${page} of ${pages} · ${link(page + 1, 'next ›', 'next')} · ${link(pages, 'last »', 'last')}</p></nav>`;
}
