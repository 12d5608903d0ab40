// The merchant counter's sale page: polls the sale's state (data-poll-url) and, when the bank's
// notification has landed, turns the page "Paid" in place, hides the QR code and beeps once (WebAudio,
// no sound file). No framework; nothing secret here.
(function () {
  'use strict';
  var region = document.querySelector('[data-poll-url]');
  if (!region || !window.fetch) return;
  var url = region.getAttribute('data-poll-url');
  var main = document.getElementById('main');
  var FINAL = { paid: true, failed: true, expired: true };
  var delay = 1500;

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.type = 'sine';
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
      region.setAttribute('data-sound', audio.state);
    } catch {
      region.setAttribute('data-sound', 'unavailable');
    }
  }

  function render(answer) {
    region.className = 'notice ' + answer.tone + ' counter-state';
    region.setAttribute('data-state', answer.state);
    if (main) main.setAttribute('data-status', answer.state);
    document.title = answer.title + ' · ' + document.title.split(' · ').slice(-1)[0];
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
    if (FINAL[answer.state]) {
      var qr = document.querySelector('[data-part=qr]');
      if (qr) qr.hidden = true;
    }
    if (answer.state === 'paid') beep();
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
