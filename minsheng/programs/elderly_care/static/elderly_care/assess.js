// GB/T 42195 form: show the running total of the 26 item scores while the assessor fills it in.
(function () {
  var form = document.getElementById("assess-form"), out = document.getElementById("assess-total");
  if (!form || !out) return;
  function total() {
    var sum = 0;
    form.querySelectorAll("select[data-max]").forEach(function (el) { sum += parseInt(el.value || "0", 10); });
    out.textContent = sum;
  }
  form.addEventListener("change", total);
  total();
})();
