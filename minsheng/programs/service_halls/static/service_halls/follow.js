// Follow one's own number: poll the status every few seconds, alert on "your turn".
(function () {
  var box = document.getElementById("ticket");
  if (!box) return;
  var alerted = false;
  function update(s) {
    document.getElementById("state-label").textContent = s.state_label;
    document.getElementById("waiting-info").hidden = s.state !== "waiting";
    document.getElementById("ahead").textContent = s.ahead;
    document.getElementById("wait").textContent = s.wait_minutes === null ? "—" : s.wait_minutes;
    var turn = document.getElementById("turn");
    turn.hidden = !s.your_turn;
    if (s.your_turn) {
      document.getElementById("turn-window").textContent = s.window;
      if (!alerted) {
        alerted = true;
        document.title = s.number + " · " + (document.getElementById("turn").dataset.title || "");
        if (navigator.vibrate) navigator.vibrate([300, 200, 300]);
      }
    } else {
      alerted = false;
    }
    return s.state === "waiting" || s.state === "called" || s.state === "serving";
  }
  function poll() {
    fetch(box.dataset.statusUrl, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (update(s)) setTimeout(poll, 5000); })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 3000);
})();
