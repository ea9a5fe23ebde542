// Keep the scan field focused after each htmx swap, so a barcode scanner can keep going.
document.addEventListener("htmx:afterSettle", function () {
  var field = document.querySelector("[data-scan-field]");
  if (field) { field.value = ""; field.focus(); }
});
