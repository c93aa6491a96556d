// The city dashboard's scans chart: allowed scans and refusals by reason, per minute, stacked. Chart.js comes from npm
// (served at /lib/chart.js). The data comes with the panels: htmx swaps them in every few seconds, each with a JSON
// block (#dashboard-data), and the chart is redrawn from it, so one request refreshes everything.
'use strict';

(() => {
  const canvas = document.getElementById('dashboard-chart');
  if (!canvas || !window.Chart) return;

  // Refusal reasons get stable colours (a reason keeps its colour as others come and go); unknown ones the grey.
  const reasonColours = {
    status_not_allowed: '#c62828', venue_full: '#ef6c00', booking_required: '#6a1b9a', already_inside: '#ad1457',
    not_inside: '#5d4037', venue_closed: '#455a64', credential_missing: '#283593', token_replayed: '#00838f',
    citizen_unknown: '#827717', pass_refused: '#b71c1c',
  };

  const chart = new window.Chart(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });

  function draw() {
    const block = document.getElementById('dashboard-data');
    if (!block) return;
    let data;
    try {
      data = JSON.parse(block.textContent);
    } catch {
      return;
    }
    chart.data.labels = data.labels;
    chart.data.datasets = [
      { label: 'Allowed', data: data.allowed, backgroundColor: '#0b8a4a', stack: 'scans' },
      ...data.denied.map((d) => ({ label: d.code.replaceAll('_', ' '), data: d.counts, backgroundColor: reasonColours[d.code] || '#757575', stack: 'scans' })),
    ];
    chart.update();
    canvas.dataset.loaded = String(Number(canvas.dataset.loaded || 0) + 1);
  }

  draw();
  document.body.addEventListener('htmx:afterSettle', (e) => {
    if (e.target && e.target.id === 'dash-panels') draw();
  });
})();
