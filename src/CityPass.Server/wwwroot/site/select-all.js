// A checkbox with data-select-all="NAME" ticks or clears every checkbox named NAME in its form (a script file: the CSP allows no inline script).
document.addEventListener('change', (event) => {
  const all = event.target.closest('input[data-select-all]');
  if (!all) return;
  for (const box of all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)) box.checked = all.checked;
});
