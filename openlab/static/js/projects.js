/* Projects and children's reports: small progressive enhancements (no inline script; CSP). */
(function () {
  "use strict";

  // The ふりがな toggle. Without JS it is a link (?furigana=1). On pages whose ruby
  // markup is always there (data-furigana-live, e.g. the report form), it switches the
  // readings on and off in place, so nothing the child typed is lost.
  document.querySelectorAll("[data-furigana-root][data-furigana-live]").forEach(function (root) {
    var toggle = root.querySelector("[data-furigana-toggle]");
    if (!toggle) return;
    // A toggle button only here, where it works in place (a link with aria-pressed is invalid).
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-pressed", root.classList.contains("furigana-off") ? "false" : "true");
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var off = root.classList.toggle("furigana-off");
      toggle.setAttribute("aria-pressed", off ? "false" : "true");
      var hidden = root.querySelector("input[name=furigana]");
      if (!off && !hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "furigana";
        hidden.value = "1";
        var form = root.querySelector("form[method=post]");
        if (form) form.appendChild(hidden);
      } else if (off && hidden) {
        hidden.remove();
      }
    });
  });

  // Move focus to the error summary, so a screen reader announces what to fix.
  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();

  // Tell the child at once when they pick more than 4 photos or a photo over 10 MB
  // (the server checks again).
  var photos = document.getElementById("id_photos");
  if (photos) {
    photos.addEventListener("change", function () {
      var message = "";
      if (photos.files.length > 4) {
        message = "写真は4まいまでだよ。えらびなおしてね。";
      } else {
        for (var i = 0; i < photos.files.length; i++) {
          if (photos.files[i].size > 10 * 1024 * 1024) {
            message = "写真が大きすぎるよ（10MBまで）。小さい写真をえらんでね。";
          }
        }
      }
      photos.setCustomValidity(message);
      if (message) photos.reportValidity();
    });
  }
})();
