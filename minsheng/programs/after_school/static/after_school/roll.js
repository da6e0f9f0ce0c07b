// Roll call without losing one's place: a tap sends the form in the background and
// swaps in the child's updated card. Without JS the server answers with a redirect to
// the same card (#roll-<id>), so the page opens where the teacher was.
(function () {
  "use strict";
  var list = document.querySelector("[data-roll]");
  if (!list || !window.fetch || !window.DOMParser) { return; }
  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-roll-form]")) { return; }
    event.preventDefault();
    var body = new FormData(form);
    if (event.submitter && event.submitter.name) { body.append(event.submitter.name, event.submitter.value); }
    var card = form.closest("[data-student]");
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(card.id);
        if (fresh) { card.replaceWith(fresh); }
        var note = doc.querySelector("[data-test=messages]");
        var here = document.querySelector("[data-test=messages]");
        if (note && here) { here.replaceWith(note); } else if (note) { list.before(note); }
        var focus = document.getElementById(card.id);
        if (focus) { var b = focus.querySelector("button"); if (b) { b.focus({ preventScroll: true }); } }
      })
      .catch(function () { form.submit(); });
  });
})();
