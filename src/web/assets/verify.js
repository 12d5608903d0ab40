// Checks a receipt's JWS in the browser, independently of the server: the EdDSA (Ed25519) signature
// against the hub's public keys at /.well-known/jwks.json, with WebCrypto. Shows valid, invalid or
// unsupported in the element #browser-check (its texts come in data-* attributes). Also wires the
// receipt's print button.
(function () {
  'use strict';
  var printButton = document.querySelector('[data-print]');
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener('click', function () {
      window.print();
    });
  }

  var out = document.getElementById('browser-check');
  var source = document.getElementById('jws');
  if (!out || !source) return;

  function show(state) {
    out.setAttribute('data-state', state);
    out.className = 'notice ' + (state === 'valid' ? 'ok' : state === 'invalid' ? 'bad' : 'warn');
    out.querySelector('[data-part=result]').textContent = out.getAttribute('data-text-' + state);
  }

  function bytes(base64url) {
    if (!/^[A-Za-z0-9_-]*$/.test(base64url)) throw new Error('not base64url');
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    while (base64.length % 4) base64 += '=';
    var binary = atob(base64);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  async function check(jws) {
    var parts = jws.split('.');
    if (parts.length !== 3) return 'invalid';
    var header = JSON.parse(new TextDecoder().decode(bytes(parts[0])));
    if (header.alg !== 'EdDSA' || typeof header.kid !== 'string') return 'invalid';
    if (!window.crypto || !crypto.subtle) return 'unsupported';
    var response = await fetch('/.well-known/jwks.json', { credentials: 'omit' });
    if (!response.ok) throw new Error('jwks ' + response.status);
    var jwks = await response.json();
    var jwk = (jwks.keys || []).find(function (key) {
      return key.kid === header.kid;
    });
    if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') return 'invalid';
    var key;
    try {
      key = await crypto.subtle.importKey(
        'jwk',
        { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
    } catch (error) {
      return error && error.name === 'NotSupportedError' ? 'unsupported' : 'invalid';
    }
    var signed = new TextEncoder().encode(parts[0] + '.' + parts[1]);
    var ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, bytes(parts[2]), signed);
    return ok ? 'valid' : 'invalid';
  }

  var jws = (source.value || source.textContent || '').trim();
  if (!jws) return;
  show('checking');
  check(jws).then(show, function () {
    show('invalid');
  });
})();
