// Keep the scan field focused after each htmx swap, so a barcode scanner can keep going.
// The field is emptied when its scan is sent (htmx has read the value by then), not after the
// answer arrives: a scanner may already be typing the next barcode, which must not be wiped.
document.addEventListener("htmx:beforeSend", function (event) {
  var source = event.detail.elt;
  var field = source && source.querySelector ? source.querySelector("[data-scan-field]") : null;
  if (field) { field.value = ""; }
});
document.addEventListener("htmx:afterSettle", function () {
  var field = document.querySelector("[data-scan-field]");
  if (field) { field.focus(); }
});
