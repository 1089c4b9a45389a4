/** The report's only stylesheet, inline: no fonts, scripts or anything fetched. */
export const REPORT_CSS = `
:root { --fg: #1b1f24; --muted: #5b6570; --line: #d7dce1; --bg: #ffffff; --panel: #f6f8fa; --real: #0072b2; --syn: #e69f00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { margin: 0 0 6px; font-size: 22px; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; color: var(--muted); }
header dt { font-weight: 600; }
header dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
nav { padding: 8px 32px; border-bottom: 1px solid var(--line); font-size: 13px; }
nav a { margin-right: 16px; color: var(--real); text-decoration: none; }
main { padding: 8px 32px 40px; max-width: 1400px; }
section { margin-top: 28px; }
h2 { font-size: 18px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.note, p.empty { color: var(--muted); margin: 4px 0 10px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
td.dir { text-align: center; font-size: 15px; }
td.dir.lower { color: #0b7a3e; } td.dir.higher { color: #0b5cad; } td.dir.info { color: var(--muted); }
tr.group th { background: #eef1f4; text-align: left; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
.plot { border: 1px solid var(--line); border-radius: 6px; padding: 6px; background: #fff; }
svg.cdf { display: block; font: 11px system-ui, "DejaVu Sans", sans-serif; }
svg.cdf .grid { stroke: #e6e9ec; stroke-width: 1; }
svg.cdf .frame { fill: none; stroke: #9aa4ad; }
svg.cdf .tick { fill: var(--muted); font-size: 10px; }
svg.cdf .axis-label { fill: var(--fg); font-size: 11px; }
svg.cdf .plot-title { font-weight: 600; font-size: 13px; fill: var(--fg); }
svg.cdf .legend { fill: var(--fg); font-size: 11px; }
.image-class { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 18px; }
.image-class figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.image-class figcaption { font-weight: 600; margin-bottom: 6px; }
.image-class figure.real figcaption { color: var(--real); } .image-class figure.synthetic figcaption { color: #b07800; }
.grid-images { display: flex; flex-wrap: wrap; gap: 4px; }
.grid-images img { image-rendering: pixelated; border: 1px solid var(--line); background: #000; object-fit: contain; max-width: 100%; }
.grid-images.strips { flex-direction: column; align-items: flex-start; }
.grid-images.strips img { object-fit: fill; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-left: 6px solid #9aa4ad; border-radius: 6px; padding: 6px 12px 10px; background: #fff; }
.card.pass { border-left-color: #0b7a3e; } .card.warn { border-left-color: #c98a00; } .card.fail { border-left-color: #c0392b; }
.card h3 { margin: 6px 0; } .card p.verdict { margin: 4px 0 8px; }
.card .badge { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px; background: var(--panel); color: var(--muted); }
.card.pass .badge { background: #e3f4ea; color: #0b7a3e; } .card.warn .badge { background: #fdf1d6; color: #8a5d00; } .card.fail .badge { background: #fbe4e1; color: #a5281b; }
.class-views > input { position: absolute; opacity: 0; }
.class-views > label { display: inline-block; margin: 0 6px 8px 0; padding: 2px 10px; border: 1px solid var(--line); border-radius: 12px; cursor: pointer; }
.class-views .class-view { display: none; }
details { margin: 8px 0; } details pre { background: var(--panel); padding: 8px; overflow-x: auto; font-size: 12px; }
`;
