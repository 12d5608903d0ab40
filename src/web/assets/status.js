// Keeps a payment's status page current without a reload: polls the URL in data-poll-url every few
// seconds (data-poll-ms, 2 s by default) and, on a new state, shows the texts the server sent, then
// tells the page with a `payhub:state` event on the region (detail: the answer) for what a page adds
// (counter.js). No framework; nothing secret here.
(function () {
  'use strict';
  var region = document.querySelector('[data-poll-url]');
  if (!region || !window.fetch) return;
  var url = region.getAttribute('data-poll-url');
  var main = document.getElementById('main');
  var FINAL = { paid: true, failed: true, expired: true };
  var delay = Number(region.getAttribute('data-poll-ms')) || 2000;

  function render(answer) {
    region.className = 'notice ' + answer.tone;
    region.setAttribute('data-state', answer.state);
    if (main) main.setAttribute('data-status', answer.state);
    region.querySelector('[data-part=title]').textContent = answer.title;
    region.querySelector('[data-part=text]').textContent = answer.text;
    var link = region.querySelector('[data-part=link]');
    if (answer.link_url) {
      link.setAttribute('href', answer.link_url);
      link.textContent = answer.link_label;
      link.hidden = false;
    } else {
      link.hidden = true;
    }
    region.dispatchEvent(new CustomEvent('payhub:state', { detail: answer }));
  }

  function poll() {
    fetch(url, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('status ' + response.status);
        return response.json();
      })
      .then(function (answer) {
        if (answer.state !== region.getAttribute('data-state')) render(answer);
        if (!FINAL[answer.state]) setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        setTimeout(poll, delay);
      });
  }

  if (!FINAL[region.getAttribute('data-state')]) setTimeout(poll, delay);
})();
