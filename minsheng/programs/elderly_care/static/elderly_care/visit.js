// Fill the position into check-in/out forms before they are sent; draw the signature.
(function () {
  "use strict";
  function text(id) { var t = document.getElementById(id); return t ? t.innerHTML : ""; }
  document.querySelectorAll("form.ec-geo").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located) { return; }
      event.preventDefault();
      var msg = form.querySelector(".ec-geo-msg");
      if (!navigator.geolocation) { msg.textContent = text("ec-geo-denied"); return; }
      msg.textContent = text("ec-geo-wait");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.lat.value = pos.coords.latitude;
        form.lon.value = pos.coords.longitude;
        form.dataset.located = "1";
        form.submit();
      }, function () { msg.textContent = text("ec-geo-denied"); }, { enableHighAccuracy: true, timeout: 15000 });
    });
    // A tap before this script ran sends the form without a position (the server then asks
    // again); tests and assistive tools can wait for this mark.
    form.dataset.ready = "1";
  });
  var canvas = document.getElementById("ec-sign");
  if (!canvas) { return; }
  var ctx = canvas.getContext("2d"), drawing = false, drawn = false;
  ctx.lineWidth = 4; ctx.lineCap = "round";
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }
  canvas.addEventListener("pointerdown", function (e) { drawing = true; var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
  canvas.addEventListener("pointermove", function (e) { if (!drawing) { return; } var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; });
  window.addEventListener("pointerup", function () { drawing = false; });
  document.getElementById("ec-sign-clear").addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
  document.getElementById("ec-sign-form").addEventListener("submit", function (e) {
    e.target.signature.value = drawn ? canvas.toDataURL("image/png") : "";
  });
})();
