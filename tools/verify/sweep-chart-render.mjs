// Vega-Lite spec on stdin -> SVG on stdout, headless: vega-lite compiles, vega renders with
// View.toSVG() (renderer "none": no canvas, no browser). Used by tools/verify/sweep-chart.ts.
import * as vega from "vega";
import * as vegaLite from "vega-lite";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const compiled = vegaLite.compile(JSON.parse(input)).spec;
const view = new vega.View(vega.parse(compiled), { renderer: "none" });
process.stdout.write(await view.toSVG());
await view.finalize();
