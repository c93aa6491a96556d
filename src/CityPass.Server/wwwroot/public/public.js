// How full each venue is now (GET /v1/public/venues: names, counts, capacities; nothing personal).
'use strict';

(() => {
  const REFRESH_MS = 5000;
  const $ = (id) => document.getElementById(id);

  function level(count, capacity) {
    if (!capacity) return { key: 'free', words: '开放 open', icon: '●' };
    const ratio = count / capacity;
    if (ratio >= 1) return { key: 'full', words: '已满 full', icon: '■' };
    if (ratio >= 0.7) return { key: 'busy', words: '较忙 busy', icon: '▲' };
    return { key: 'free', words: '空闲 quiet', icon: '●' };
  }

  function render(venues) {
    const list = $('venues');
    list.replaceChildren();
    for (const v of venues) {
      const l = level(v.count, v.capacity);
      const li = document.createElement('li');
      li.className = 'venue lv-' + l.key;
      li.dataset.venueId = v.venueId;
      const name = document.createElement('h2');
      name.textContent = v.name;
      const numbers = document.createElement('p');
      numbers.className = 'numbers';
      const count = document.createElement('strong');
      count.textContent = String(v.count);
      numbers.append(count, v.capacity ? ` / ${v.capacity}` : ' 人 inside');
      const state = document.createElement('p');
      state.className = 'state';
      state.textContent = `${l.icon} ${l.words}` + (v.capacity ? ` · ${Math.min(100, Math.round((100 * v.count) / v.capacity))}%` : '');
      li.append(name, numbers, state);
      if (v.capacity) {
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.setAttribute('role', 'progressbar');
        bar.setAttribute('aria-valuemin', '0');
        bar.setAttribute('aria-valuemax', String(v.capacity));
        bar.setAttribute('aria-valuenow', String(v.count));
        bar.setAttribute('aria-label', v.name);
        const fill = document.createElement('span');
        fill.style.width = `${Math.min(100, (100 * v.count) / v.capacity)}%`;
        bar.append(fill);
        li.append(bar);
      }
      list.append(li);
    }
  }

  async function refresh() {
    try {
      const res = await fetch('/v1/public/venues', { cache: 'no-store' });
      if (!res.ok) throw new Error(String(res.status));
      render(await res.json());
      const now = new Date();
      $('updated').textContent = now.toLocaleTimeString('zh-CN', { hour12: false });
      $('updated').dateTime = now.toISOString();
      $('failed').hidden = true;
    } catch {
      $('failed').hidden = false;
    }
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
