/** The inspector page's inline style and script, sent under the response's CSP nonce. */

/** The page's style sheet. */
export const INSPECTOR_STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--card:#fff;--link:#0969da;
--error:#cf222e;--error-bg:#ffebe9;--status:#9a6700;--status-bg:#fff8c5;--duration:#8250df;--duration-bg:#fbefff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:var(--fg);background:var(--soft)}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.top{background:#1f2328;color:#fff;padding:12px 24px;display:flex;align-items:baseline;gap:14px;flex-wrap:wrap}
.top h1{font-size:17px;margin:0;font-weight:600}.top .service{background:#ffffff26;border-radius:999px;padding:1px 10px}
.top .when{margin-left:auto;color:#d1d9e0;font-size:12.5px}
main{max-width:1240px;margin:0 auto;padding:18px 24px 56px}
h2{font-size:15px;margin:26px 0 10px;display:flex;align-items:center;gap:12px}
h2 .count{color:var(--muted);font-weight:400}
.stats{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
.stats li{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 12px;min-width:118px}
.stats b{display:block;font-size:18px;font-variant-numeric:tabular-nums}.stats span{color:var(--muted);font-size:12px}
.stats li.bad b{color:var(--error)}
form.filter{display:flex;flex-wrap:wrap;align-items:end;gap:10px;margin-top:16px;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
form.filter label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:3px}
form.filter input{font:inherit;color:var(--fg);padding:5px 8px;border:1px solid var(--line);border-radius:6px;min-width:190px}
form.filter button{font:inherit;font-weight:600;padding:5px 14px;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer}
.active{margin:10px 2px 0;color:var(--muted)}.active b{color:var(--fg)}
table{border-collapse:collapse;width:100%}
.groups{background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
.groups th,.groups td{text-align:left;padding:7px 12px;border-bottom:1px solid var(--line);vertical-align:middle}
.groups th{background:var(--soft);font-size:12px;color:var(--muted);font-weight:600}
.groups tr:last-child td{border-bottom:0}.groups td.num{font-variant-numeric:tabular-nums;text-align:right}
.badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:12px;font-weight:600;margin-right:4px;white-space:nowrap}
.t-error{color:var(--error);background:var(--error-bg)}.t-status{color:var(--status);background:var(--status-bg)}
.t-duration{color:var(--duration);background:var(--duration-bg)}.t-other{color:var(--muted);background:var(--soft)}
.muted{color:var(--muted)}
.record{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--muted);border-radius:8px;margin:0 0 12px;padding:12px 16px}
.record.t-error-card{border-left-color:var(--error)}.record.t-status-card{border-left-color:#d4a72c}.record.t-duration-card{border-left-color:var(--duration)}
.record header{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 14px}
.record header .name{font-weight:600;font-size:14.5px}
.record .meta{color:var(--muted);font-size:12.5px;display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:2px}
.cols{display:grid;grid-template-columns:minmax(280px,2fr) 3fr;gap:18px;margin-top:10px}
.cols>*{min-width:0}
.cols.single{grid-template-columns:minmax(280px,680px)}
@media (max-width:860px){.cols{grid-template-columns:1fr}}
.context caption,.box h3{text-align:left;font-size:12px;color:var(--muted);font-weight:600;margin:0 0 4px;padding:0}
.context{width:100%}
.context th,.context td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.context th{width:1%;white-space:nowrap;font-weight:500;color:var(--muted)}
.context td{overflow-wrap:anywhere}.context tr:last-child th,.context tr:last-child td{border-bottom:0}
.context{border:1px solid var(--line);border-radius:6px;border-collapse:separate;border-spacing:0}
.error-title{font-weight:600;color:var(--error);overflow-wrap:anywhere;margin:0 0 6px}
pre.stack{margin:0;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px;max-height:220px;overflow:auto;white-space:pre;font-size:12px;line-height:1.45}
.dropped{margin:8px 0 0;padding-left:18px;color:var(--status)}
ol.breadcrumbs{margin:0;padding-left:18px;font-size:12.5px}.latency{margin:6px 0 0;color:var(--duration)}
.empty{background:var(--card);border:1px dashed var(--line);border-radius:8px;padding:28px;text-align:center;color:var(--muted)}
#hud-search{font:inherit;font-weight:400;padding:4px 8px;border:1px solid var(--line);border-radius:6px;min-width:240px}
footer{margin-top:28px;color:var(--muted);font-size:12.5px}
`;

/** Narrows the shown records as one types; the page works without it. */
export const INSPECTOR_SCRIPT = `
(() => {
  const box = document.getElementById('hud-search');
  const shown = document.getElementById('hud-shown');
  const cards = Array.from(document.querySelectorAll('article.record'));
  if (!box || !shown) return;
  box.hidden = false;
  box.addEventListener('input', () => {
    const query = box.value.trim().toLowerCase();
    let count = 0;
    for (const card of cards) {
      const match = query === '' || card.textContent.toLowerCase().includes(query);
      card.hidden = !match;
      if (match) count++;
    }
    shown.textContent = String(count);
  });
})();
`;
