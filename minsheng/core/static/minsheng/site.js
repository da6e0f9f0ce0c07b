// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  // The language list submits on change (its button stays for keyboards and no-JS).
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A table wider than the screen scrolls in its .table-responsive box: keyboards reach it too.
  document.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth) { box.tabIndex = 0; }
  });

  // Confirmation dialogs (components/confirm.html): the form's button asks in a modal first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var modalEl = document.getElementById(form.getAttribute("data-confirm"));
    if (!modalEl || !window.bootstrap) { return; }
    var modal = window.bootstrap.Modal.getOrCreateInstance(modalEl);
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      if (confirmed) { return; }
      event.preventDefault();
      modal.show();
    });
    modalEl.querySelector("[data-confirm-submit]").addEventListener("click", function () {
      confirmed = true;
      modal.hide();
      form.submit();
    });
  });
})();
