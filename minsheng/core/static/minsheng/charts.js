// Draws every chart on the page ([data-chart] names the json_script element holding its figures,
// built by minsheng.core.charts.Chart.spec). Loads the vendored ECharts once, however many
// charts the page has; each chart's table beside it carries the same figures for everyone
// who does not see the drawing.
(function () {
  if (window.msChartsLoaded) return;
  window.msChartsLoaded = true;
  var me = document.currentScript;
  var PALETTE = ["#0b5cab", "#1a7f37", "#d4a72c", "#cf222e", "#8250df", "#0a7e8c", "#bc4c00", "#57606a"];

  function option(spec) {
    var unit = function (s) { return s.unit ? " " + s.unit : ""; };
    var base = {
      color: PALETTE,
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", confine: true },
      legend: { show: spec.series.length > 1 || spec.kind === "pie", bottom: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 16, bottom: spec.series.length > 1 ? 36 : 8, containLabel: true }
    };
    if (spec.kind === "pie") {
      var s = spec.series[0];
      base.series = [{
        type: "pie", name: s.name, radius: ["35%", "65%"],
        data: spec.categories.map(function (c, i) { return { name: c, value: s.values[i] }; })
      }];
      return base;
    }
    var horizontal = spec.kind === "hbar";
    var cat = { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } };
    var val = { type: "value" };
    if (horizontal) { cat.inverse = true; base.xAxis = val; base.yAxis = cat; }
    else { base.xAxis = cat; base.yAxis = val; }
    base.series = spec.series.map(function (s) {
      return {
        type: spec.kind === "line" ? "line" : "bar", name: s.name + unit(s), data: s.values,
        stack: spec.kind === "stacked" ? "all" : undefined, connectNulls: false,
        emphasis: { focus: "series" }
      };
    });
    return base;
  }

  function draw() {
    var nodes = document.querySelectorAll("[data-chart]");
    nodes.forEach(function (node) {
      var source = document.getElementById(node.getAttribute("data-chart"));
      if (!source) return;
      var height = (parseInt(node.getAttribute("data-height"), 10) || 320) + "px";
      node.style.height = height;
      var table = node.closest(".ms-chart").querySelector(".ms-chart-table");
      if (table) table.style.maxHeight = height;  // the table scrolls beside the drawing
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption(option(JSON.parse(source.textContent)));
      node.setAttribute("data-drawn", "1");
      if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(node);
    });
  }

  function start() {
    if (!document.querySelector("[data-chart]")) return;
    if (window.echarts) { draw(); return; }
    var script = document.createElement("script");
    script.src = me.getAttribute("data-echarts");
    script.onload = draw;
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
