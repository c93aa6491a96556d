// The occupancy page's chart: entries, exits and refusals per interval over the chosen range (2 hours, 24 hours, 7
// days), refreshed every 10 s. Chart.js comes from npm (served at /lib/chart.js); the data from the page's Series
// handler, which reads the archive's per-minute roll-ups.
'use strict';

(() => {
  const canvas = document.getElementById('occupancy-chart');
  if (!canvas || !window.Chart) return;
  const base = canvas.dataset.seriesUrl;
  const range = document.getElementById('occupancy-range');
  const rangeTitle = document.getElementById('chart-range-title');
  const url = () => `${base}&range=${encodeURIComponent(range ? range.value : '2h')}`;
  const chart = new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: 'Entries', data: [], backgroundColor: '#0b8a4a', stack: 'allowed' },
        { label: 'Exits', data: [], backgroundColor: '#5b8fd9', stack: 'allowed' },
        { label: 'Refused', data: [], backgroundColor: '#c62828', stack: 'refused' },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 2,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });

  async function load() {
    try {
      const res = await fetch(url(), { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const s = await res.json();
      chart.data.labels = s.labels;
      chart.data.datasets[0].data = s.entries;
      chart.data.datasets[1].data = s.exits;
      chart.data.datasets[2].data = s.refused;
      chart.update();
      canvas.dataset.loaded = 'true';
    } catch {
      // Offline for a moment: keep the last picture, try again at the next tick.
    }
  }

  if (range) {
    range.addEventListener('change', () => {
      if (rangeTitle) rangeTitle.textContent = range.selectedOptions[0].dataset.title;
      load();
    });
  }

  load();
  setInterval(load, 10000);
})();
