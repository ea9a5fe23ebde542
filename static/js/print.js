// Print buttons (<button data-print>) and pages that print when opened (<body data-autoprint>).
// In a file of its own: the Content-Security-Policy allows no inline scripts or handlers.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { event.preventDefault(); window.print(); }
  });
  window.addEventListener("load", function () {
    if (document.body && document.body.hasAttribute("data-autoprint")) { window.print(); }
  });
})();
