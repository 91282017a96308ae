// The monthly page's own script: draws the charts from their JSON blocks and makes the
// tables sortable, filterable and downloadable as CSV. Offline; allowed by its CSP hash.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function drawCharts() {
    var config = { displaylogo: false, responsive: true };
    document.querySelectorAll("[data-chart]").forEach(function (div) {
      var block = document.getElementById(div.id + "-data");
      if (!block || typeof Plotly === "undefined") return;
      var fig = JSON.parse(block.textContent);
      var x = fig.layout && fig.layout.xaxis;
      if (x && x.type === "date" && div.clientWidth < 560) {
        x.nticks = 4;  // a phone: fewer date labels so they stay horizontal and apart
      }
      Plotly.newPlot(div, fig.data, fig.layout || {}, config);
    });
  }

  function cellValue(row, col) {
    var cell = row.cells[col];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return key !== null ? key : cell.textContent.trim();
  }

  function csvValue(cell) {
    var value = cell.getAttribute("data-csv");
    if (value === null) value = cell.textContent.trim();
    // A leading = + - @ (after any CR, LF, tab or space) would make a spreadsheet run the cell
    // as a formula; numbers such as -5 stay numbers (the same rule as the command line's CSV).
    var number = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value);
    if (!number && /^([\t\r]|[\r\n\t ]*[=+\-@])/.test(value)) value = "'" + value;
    return /[",\n\r]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function setUpTable(table) {
    var key = table.getAttribute("data-key");
    var tools = document.querySelector('.table-tools[data-for="' + key + '"]');
    var body = table.tBodies[0];
    if (!tools || !body) return;
    var first = parseInt(table.getAttribute("data-first") || "0", 10);
    var filter = tools.querySelector("input");
    var shown = tools.querySelector(".shown");
    var more = tools.querySelector(".show-all");
    var link = tools.querySelector("a.csv");
    var total = body.rows.length;
    var expanded = !first || total <= first;

    function matches(row, query) {
      return !query || row.textContent.toLowerCase().indexOf(query) !== -1;
    }

    function apply() {
      var query = filter.value.trim().toLowerCase();
      var n = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var hit = matches(row, query);
        row.hidden = !hit || (!expanded && !query && n >= first);
        row.setAttribute("data-match", hit ? "1" : "0");
        if (hit) n += 1;
      });
      var visible = body.querySelectorAll("tr:not([hidden])").length;
      shown.textContent = "Showing " + visible.toLocaleString("en") + " of " +
        total.toLocaleString("en") + " rows";
      more.hidden = expanded || !!query;
      link.textContent = "Download CSV (" + n.toLocaleString("en") + " rows)";
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = th.classList.contains("num");
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, col), y = cellValue(b, col), order;
          if (numeric) {
            order = (parseFloat(x.replace(/[^0-9.\-]/g, "")) || 0) -
              (parseFloat(y.replace(/[^0-9.\-]/g, "")) || 0);
          } else {
            order = x.localeCompare(y, "en", { sensitivity: "base", numeric: true });
          }
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        apply();
      });
    });

    filter.addEventListener("input", apply);
    more.addEventListener("click", function () { expanded = true; apply(); });
    link.addEventListener("click", function () {
      var lines = [Array.prototype.map.call(table.tHead.rows[0].cells, csvValue).join(",")];
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.getAttribute("data-match") === "1") {
          lines.push(Array.prototype.map.call(row.cells, csvValue).join(","));
        }
      });
      var blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      if (link.href.indexOf("blob:") === 0) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(blob);
    });
    tools.hidden = false;
    apply();
  }

  function forPrint() {
    // A folded part (details) prints as the reader left it: open what you want on paper.
    document.querySelectorAll("table[data-key] tbody tr").forEach(function (row) {
      if (row.getAttribute("data-match") !== "0") row.hidden = false;
    });
    if (typeof Plotly !== "undefined") {
      document.querySelectorAll(".js-plotly-plot").forEach(function (div) {
        Plotly.Plots.resize(div);
      });
    }
  }

  drawCharts();
  // A chart drawn inside a folded part has no width yet: size it when the part opens.
  document.querySelectorAll("details").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open || typeof Plotly === "undefined") return;
      d.querySelectorAll(".js-plotly-plot").forEach(function (div) { Plotly.Plots.resize(div); });
    });
  });
  document.querySelectorAll("table[data-key]").forEach(setUpTable);
  window.addEventListener("beforeprint", forPrint);
})();
