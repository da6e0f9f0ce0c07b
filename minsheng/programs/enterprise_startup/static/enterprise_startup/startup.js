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
  // "Add another shareholder": without JS the button saves and shows one more block;
  // with JS the block is added here from the page's template, no round trip.
  var add = document.getElementById("add-shareholder");
  var tpl = document.getElementById("shareholder-template");
  if (add && tpl) {
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var box = document.getElementById("shareholders");
      var i = box.querySelectorAll(".es-shareholder").length;
      var html = tpl.innerHTML.split("sh-__i__").join("sh-" + i).split("__n__").join(String(i + 1));
      box.insertAdjacentHTML("beforeend", html);
      add.value = String(i + 1);
      if (i + 1 >= 8) { add.hidden = true; }
      var first = box.lastElementChild.querySelector("select, input");
      if (first) { first.focus(); }
    });
  }
  var filter = document.getElementById("scope-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim();
      // display is set as well as hidden: a stylesheet's display rule would win over [hidden]
      document.querySelectorAll(".scope-item").forEach(function (el) {
        var hide = q !== "" && el.textContent.indexOf(q) === -1;
        el.hidden = hide;
        el.style.display = hide ? "none" : "";
      });
      document.querySelectorAll(".scope-group").forEach(function (h) {
        var any = false;
        for (var n = h.nextElementSibling; n && n.classList.contains("scope-item"); n = n.nextElementSibling) {
          if (!n.hidden) { any = true; }
        }
        h.style.display = any ? "" : "none";
      });
    });
  }
})();
