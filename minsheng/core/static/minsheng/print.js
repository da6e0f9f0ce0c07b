// Print buttons ([data-print]) and pages that print themselves once loaded ([data-autoprint],
// a kiosk whose browser runs with --kiosk-printing prints the ticket without a dialog).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  if (document.querySelector("[data-autoprint]")) {
    window.addEventListener("load", function () { window.print(); });
  }
})();
