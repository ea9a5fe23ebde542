// Refusals and patron alerts the desk cannot miss (issue 14).
//
// An element marked data-desk-alert="refusal" (a refused scan row) or "attention" (the patron
// alert at checkout) that appears on the page, at load or in an htmx answer, does two things:
//  * a short tone from Web Audio: two falling tones for a refusal, three rising beeps for an
//    alert. Each workstation switches the sound off and on with the header button; the choice
//    is kept in this browser's localStorage ("granslos.desk.sound" = "off"), not in the account.
//  * a modal dialog with the message, its OK button focused: the next scan waits until it is
//    acknowledged (Enter or Escape), then focus returns to the scan field so the scanner can go on.
// Without JavaScript the alert and the refused rows are still on the page (role="alert").
(function () {
  var STORAGE_KEY = "granslos.desk.sound";
  var TONES = {
    refusal: [[880, 0.0, 0.14], [440, 0.17, 0.22]],
    attention: [[660, 0.0, 0.1], [880, 0.14, 0.1], [1100, 0.28, 0.12]]
  };
  var audio = null;

  function soundOn() {
    try { return window.localStorage.getItem(STORAGE_KEY) !== "off"; } catch (e) { return true; }
  }

  function play(kind) {
    var body = document.body;
    // What was signalled, for people and tests: the last signal and how many tones sounded.
    body.setAttribute("data-last-signal", kind);
    if (!soundOn()) { return; }
    body.setAttribute("data-tones", String(Number(body.getAttribute("data-tones") || 0) + 1));
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
      var start = audio.currentTime + 0.01;
      (TONES[kind] || TONES.refusal).forEach(function (tone) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = tone[0];
        gain.gain.setValueAtTime(0.0001, start + tone[1]);
        gain.gain.exponentialRampToValueAtTime(0.3, start + tone[1] + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + tone[1] + tone[2]);
        osc.connect(gain).connect(audio.destination);
        osc.start(start + tone[1]);
        osc.stop(start + tone[1] + tone[2] + 0.02);
      });
    } catch (e) { /* no sound is better than a broken desk */ }
  }

  function dialog() { return document.getElementById("desk-alert"); }

  function textOf(element) {
    var part = element.querySelector("[data-alert-text]");
    return (part || element).innerText.trim();
  }

  function show(kind, elements) {
    var box = dialog();
    if (!box || !box.showModal) { return; }
    var list = box.querySelector("[data-desk-alert-list]");
    if (!box.open) {
      list.textContent = "";
      box.className = "desk-alert-dialog " + kind;
      box.querySelector("[data-desk-alert-title]").textContent =
        box.getAttribute(kind === "attention" ? "data-title-attention" : "data-title-refusal");
    }
    elements.forEach(function (element) {
      if (kind === "attention") {
        element.querySelectorAll("li").forEach(function (li) {
          var item = document.createElement("li");
          item.textContent = li.innerText.trim();
          list.appendChild(item);
        });
      } else {
        var item = document.createElement("li");
        item.textContent = textOf(element);
        list.appendChild(item);
      }
    });
    if (!box.open) { box.showModal(); }
    var ok = box.querySelector("[data-desk-alert-ok]");
    if (ok) { ok.focus(); }
  }

  function signal(root) {
    var found = {refusal: [], attention: []};
    var nodes = [];
    if (root.matches && root.matches("[data-desk-alert]")) { nodes.push(root); }
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-desk-alert]").forEach(function (n) { nodes.push(n); });
    }
    nodes.forEach(function (node) {
      if (node.hasAttribute("data-signalled")) { return; }
      node.setAttribute("data-signalled", "");
      var kind = node.getAttribute("data-desk-alert") === "attention" ? "attention" : "refusal";
      found[kind].push(node);
    });
    ["refusal", "attention"].forEach(function (kind) {
      if (found[kind].length) { play(kind); show(kind, found[kind]); }
    });
  }

  function focusScanField() {
    var field = document.querySelector("[data-scan-field]");
    if (field) { field.focus(); }
  }

  function label(button) {
    var on = soundOn();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = button.getAttribute(on ? "data-label-on" : "data-label-off");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = dialog();
    if (box) { box.addEventListener("close", focusScanField); }
    var toggle = document.querySelector("[data-sound-toggle]");
    if (toggle) {
      label(toggle);
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        try { window.localStorage.setItem(STORAGE_KEY, soundOn() ? "off" : "on"); } catch (e) {}
        label(toggle);
      });
    }
    signal(document.body);
  });

  // After desk.js has put focus back on the scan field: a new refusal takes it to the dialog.
  document.addEventListener("htmx:afterSettle", function (event) {
    signal(event.detail.elt || document.body);
  });
})();
