// Name check as typed, autosave of draft steps, catalogue filter. No framework.
(function () {
  "use strict";
  var form = document.getElementById("name-form");
  if (form) {
    var timer = null;
    var check = function () {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrfmiddlewaretoken");
      fetch(form.dataset.checkUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (res) {
          document.getElementById("name-preview").textContent = res.full_name || "";
          form.querySelectorAll("[data-for]").forEach(function (el) {
            var msgs = res.errors[el.dataset.for] || [];
            el.textContent = msgs.join(" ");
            el.className = msgs.length ? "field-error" : "";
          });
          var list = document.getElementById("name-warnings");
          list.textContent = "";
          (res.warnings || []).forEach(function (w) {
            var li = document.createElement("li"); li.textContent = w; list.appendChild(li);
          });
        })
        .catch(function () {});
    };
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
  }
  document.querySelectorAll("form[data-autosave]").forEach(function (f) {
    var t = null;
    f.addEventListener("input", function () {
      clearTimeout(t);
      t = setTimeout(function () {
        fetch(f.action || window.location.href, {
          method: "POST", body: new FormData(f), credentials: "same-origin",
          headers: { "X-Autosave": "1" }
        }).catch(function () {});
      }, 1500);
    });
  });
  var filter = document.getElementById("scope-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim();
      document.querySelectorAll(".scope-item").forEach(function (el) {
        el.hidden = q !== "" && el.textContent.indexOf(q) === -1;
      });
    });
  }
})();
