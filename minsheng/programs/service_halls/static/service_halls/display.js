// Hall display: initial snapshot from feed.json, then server-sent events.
// EventSource reconnects by itself and sends Last-Event-ID, so the server
// replays whatever was missed. Calls are spoken in Mandarin (zh-CN).
(function () {
  var root = document.getElementById("display");
  if (!root) return;
  var current = {}; // window number -> ticket number
  var recent = [];
  var conn = document.getElementById("conn");
  var speak = false;

  function render(freshWindow) {
    var ul = document.getElementById("current");
    ul.textContent = "";
    Object.keys(current).sort(function (a, b) { return a - b; }).forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = current[w] + " → " + w;
      li.dataset.number = current[w];
      if (String(w) === String(freshWindow)) li.className = "fresh";
      ul.appendChild(li);
    });
    var r = document.getElementById("recent");
    r.textContent = "";
    recent.slice(0, 8).forEach(function (n) {
      var li = document.createElement("li");
      li.textContent = n;
      r.appendChild(li);
    });
  }

  function say(number, win) {
    if (!speak || !window.speechSynthesis) return;
    var text = root.dataset.say.replace("{number}", number.split("").join(" ")).replace("{window}", win);
    var u = new SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    u.rate = 0.9;
    window.speechSynthesis.speak(u);
  }

  function onEvent(p) {
    if (p.kind === "called" || p.kind === "recalled") {
      current[p.window] = p.number;
      recent = [p.number].concat(recent.filter(function (n) { return n !== p.number; }));
      render(p.window);
      say(p.number, p.window);
    } else if (p.kind === "finished" || p.kind === "skipped" || p.kind === "transferred") {
      if (current[p.window] === p.number) delete current[p.window];
      render();
    }
  }

  function connect(lastId) {
    var es = new EventSource(root.dataset.stream + "?last_event_id=" + lastId);
    es.onopen = function () { conn.textContent = conn.dataset.online; };
    es.onerror = function () { conn.textContent = conn.dataset.offline; };
    es.addEventListener("ticket", function (e) { onEvent(JSON.parse(e.data)); });
  }

  document.getElementById("sound").addEventListener("click", function () {
    speak = true;
    this.hidden = true;
  });

  fetch(root.dataset.feed).then(function (r) { return r.json(); }).then(function (s) {
    s.current.forEach(function (c) { if (c.window) current[c.window] = c.number; });
    recent = s.recent.map(function (c) { return c.number; });
    document.getElementById("waiting").textContent = s.waiting;
    render();
    connect(s.last_event_id);
  });
})();
