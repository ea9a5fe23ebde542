// The desk's scan forms (<form class="scan" hx-post=…>): a barcode scanner types a barcode and
// presses Enter, often faster than the server answers. Every scan is read and the field emptied
// the moment Enter is pressed, then the scans are sent one at a time, in order, so none is lost
// or mixed up with the next barcode being typed. Without JavaScript the form posts normally.
(function () {
  var queue = [];
  var busy = false;

  function sendNext() {
    if (busy || queue.length === 0) { return; }
    busy = true;
    var job = queue.shift();
    // The source is the result list, not the form: the form's (now empty, required) field
    // would fail htmx's validation. The scanned values travel in ``values``.
    htmx.ajax("POST", job.url, {
      source: job.target, target: job.target, swap: job.swap, values: job.values
    }).finally(function () { busy = false; sendNext(); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.htmx || !form.matches || !form.matches("form.scan[hx-post]")) { return; }
    var field = form.querySelector("[data-scan-field]");
    if (!field) { return; }
    event.preventDefault();
    event.stopPropagation();
    var values = {};
    new FormData(form).forEach(function (value, key) { values[key] = value; });
    field.value = "";
    field.focus();
    if (!String(values[field.name] || "").trim()) { return; }
    queue.push({
      url: form.getAttribute("hx-post"),
      target: form.getAttribute("hx-target"),
      swap: form.getAttribute("hx-swap") || "innerHTML",
      values: values
    });
    sendNext();
  }, true);

  // Other htmx forms with a scan field: empty it when the request leaves.
  document.addEventListener("htmx:beforeSend", function (event) {
    var source = event.detail.elt;
    if (source && source.matches && source.matches("form.scan[hx-post]")) { return; }
    var field = source && source.querySelector ? source.querySelector("[data-scan-field]") : null;
    if (field) { field.value = ""; }
  });

  // Keep the scan field focused after each answer, so the scanner can keep going: as soon as the
  // answer is in the page (a button that was clicked may have been swapped out, taking the focus
  // with it, and a scanner does not wait for htmx's settle delay), and again after settling.
  function focusScanField() {
    var field = document.querySelector("[data-scan-field]");
    if (field) { field.focus(); }
  }
  document.addEventListener("htmx:afterSwap", focusScanField);
  document.addEventListener("htmx:afterSettle", focusScanField);
})();
