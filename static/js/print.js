// Print buttons and self-printing slips, without inline handlers (Content-Security-Policy).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body && document.body.hasAttribute("data-autoprint")) {
      window.print();
    }
  });
})();
