// The import page: sends the chosen file itself as the request body, so the server imports it as it arrives and the
// upload's progress is the import's progress. A script file (the CSP allows no inline script); without it the form
// posts multipart and the server answers with the same report.
(() => {
  const form = document.getElementById('import-form');
  if (!form || !window.XMLHttpRequest || !window.DOMParser) return;
  const input = document.getElementById('import-file');
  const submit = document.getElementById('import-submit');
  const panel = document.getElementById('import-progress-panel');
  const bar = document.getElementById('import-progress');
  const text = document.getElementById('import-progress-text');

  // The format is the file's name: browsers label .csv differently (Excel's type on Windows, none on some systems).
  const typeOf = (name) => {
    const lower = name.toLowerCase();
    if (lower.endsWith('.csv')) return 'text/csv';
    if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'application/x-ndjson';
    return null;
  };

  const size = (bytes) => bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

  const show = (sent, total) => {
    const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
    bar.value = percent;
    bar.textContent = `${percent}%`;
    text.textContent = `${size(sent)} of ${size(total)} sent (${percent}%)`;
  };

  // Words for an answer that is not the page: a ProblemDetails (the size guard's 413, a refused token) or anything else.
  const refuse = (status, code, words) => {
    const result = document.getElementById('import-result');
    const p = document.createElement('p');
    p.className = 'error card';
    p.setAttribute('role', 'alert');
    p.dataset.testid = 'import-refused';
    p.dataset.code = code;
    p.append(`${words} `);
    const c = document.createElement('span');
    c.className = 'code';
    c.textContent = `${status} ${code}`;
    p.append(c);
    result.replaceChildren(p);
  };

  const done = () => {
    submit.disabled = false;
    form.removeAttribute('aria-busy');
  };

  form.addEventListener('submit', (event) => {
    const file = input.files && input.files[0];
    if (!file) return; // the browser's own "required" message
    event.preventDefault();
    const type = typeOf(file.name);
    // Checked here too (in the server's words, from the form) so a wrong or oversized file is not sent at all.
    if (!type) {
      refuse(415, 'unsupported_media_type', form.dataset.wrongType);
      return;
    }
    const max = Number(form.dataset.maxBytes);
    if (max && file.size > max) {
      refuse(413, 'body_too_large', form.dataset.tooLarge);
      return;
    }

    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Content-Type', type);
    // ASP.NET Core's antiforgery reads the token from this header when the body is not a form.
    xhr.setRequestHeader('RequestVerificationToken', form.querySelector('input[name="__RequestVerificationToken"]').value);
    xhr.setRequestHeader(form.dataset.fileNameHeader, encodeURIComponent(file.name));
    xhr.upload.addEventListener('progress', (e) => show(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.upload.addEventListener('load', () => {
      show(file.size, file.size);
      text.textContent += ' · importing the last rows…';
    });
    xhr.addEventListener('load', () => {
      done();
      const type = xhr.getResponseHeader('Content-Type') || '';
      if (type.includes('problem+json')) {
        let problem = {};
        try { problem = JSON.parse(xhr.responseText); } catch { /* words below */ }
        refuse(xhr.status, problem.code || 'error', problem.title || 'The server refused the file.');
        return;
      }
      const answer = new DOMParser().parseFromString(xhr.responseText, 'text/html').getElementById('import-result');
      if (!answer) {
        // E.g. the session ended and the answer is the sign-in page.
        refuse(xhr.status, 'error', 'The server did not answer with a report. Reload the page (you may need to sign in again).');
        return;
      }
      document.getElementById('import-result').replaceWith(document.importNode(answer, true));
      if (xhr.status < 400) text.textContent = `${size(file.size)} sent and imported (100%)`;
    });
    xhr.addEventListener('error', () => {
      done();
      refuse(0, 'network_error', 'The connection failed during the upload. The rows that arrived before it were imported; importing the file again is safe (rows are matched by external id).');
    });

    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    panel.hidden = false;
    show(0, file.size);
    document.getElementById('import-result').replaceChildren();
    xhr.send(file);
  });
})();
