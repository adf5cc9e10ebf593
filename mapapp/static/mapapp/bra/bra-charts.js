/* Charts of the lägesbild, drawn locally with the vendored Chart.js: incidents per month (this period,
 * the comparison period and the police's municipality-level events) and incidents per hour. */
(function () {
  "use strict";
  var source = document.getElementById("bra-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var print = document.body.classList.contains("print-page");
  var big = document.body.classList.contains("presentation");
  Chart.defaults.font.size = big ? 18 : 12;
  Chart.defaults.animation = print ? false : Chart.defaults.animation;
  Chart.defaults.color = big ? "#000" : "#333";

  var charts = [];
  var months = document.getElementById("chart-months");
  if (months) {
    var l = months.dataset;
    var sets = [
      { label: l.labelCurrent, data: data.series.current, borderColor: "#b2182b", backgroundColor: "#b2182b", borderWidth: big ? 4 : 2 },
      { label: l.labelPrevious, data: data.series.previous, borderColor: "#4d4d4d", backgroundColor: "#4d4d4d", borderDash: [6, 4], borderWidth: big ? 3 : 2 }
    ];
    if (data.series.police) {
      sets.push({ label: l.labelPolice, data: data.series.police, borderColor: "#2166ac", backgroundColor: "#2166ac", borderWidth: 2 });
    }
    charts.push(new Chart(months, {
      type: "line",
      data: { labels: data.series.months, datasets: sets },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    }));
  }

  var hours = document.getElementById("chart-hours");
  if (hours) {
    var table = data.hours.table;
    var weekdays = [], weekend = [];
    for (var h = 0; h < 24; h++) {
      var wd = 0, we = 0;
      for (var d = 0; d < 7; d++) { if (d < 5) { wd += table[d][h]; } else { we += table[d][h]; } }
      weekdays.push(Math.round(wd / 5 * 10) / 10);
      weekend.push(Math.round(we / 2 * 10) / 10);
    }
    var labels = [];
    for (var i = 0; i < 24; i++) { labels.push(String(i)); }
    // With an hour filter, the hours outside it (where incidents known only as an interval spread
    // to) are drawn pale; the note beside the chart says how much of the selection lies inside.
    var chosen = data.hours.filter_hours || [];
    function colours(strong, pale) {
      var out = [];
      for (var k = 0; k < 24; k++) { out.push(!chosen.length || chosen.indexOf(k) >= 0 ? strong : pale); }
      return out;
    }
    charts.push(new Chart(hours, {
      type: "bar",
      data: { labels: labels, datasets: [
        { label: hours.dataset.labelWeekdays, data: weekdays, backgroundColor: colours("#4393c3", "#c6dbef") },
        { label: hours.dataset.labelWeekend, data: weekend, backgroundColor: colours("#d6604d", "#f4c6bb") }
      ] },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    }));
  }
  // Chromium switches to print media after the charts are drawn: draw them again at the printed size.
  function resizeAll() { charts.forEach(function (c) { c.resize(); }); }
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    if (printing.addEventListener) { printing.addEventListener("change", resizeAll); }
  }
  window.addEventListener("beforeprint", resizeAll);
  document.body.dataset.chartsReady = "true";
})();
