// The merchant counter's sale page, on top of status.js (which polls the sale's state and shows it):
// when the bank's notification has landed, the page's title follows the state, the QR code is hidden
// and the counter beeps once (WebAudio, no sound file). No framework; nothing secret here.
(function () {
  'use strict';
  var region = document.querySelector('[data-poll-url]');
  if (!region) return;
  var FINAL = { paid: true, failed: true, expired: true };

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

  region.addEventListener('payhub:state', function (event) {
    var answer = event.detail;
    region.classList.add('counter-state');
    document.title = answer.title + ' · ' + document.title.split(' · ').slice(-1)[0];
    if (FINAL[answer.state]) {
      var qr = document.querySelector('[data-part=qr]');
      if (qr) qr.hidden = true;
    }
    if (answer.state === 'paid') beep();
  });
})();
