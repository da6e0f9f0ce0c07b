// A submit button is disabled once pressed, so a double tap sends one request
// (the server also deduplicates by the form's idempotency key).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  setTimeout(function () { delete form.dataset.sent; }, 5000);
});
