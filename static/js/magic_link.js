// The sign-in link carries its token in the URL fragment (#t=…), which browsers never send to a server,
// so it stays out of access logs. Move it into the form, drop it from the address bar and history,
// and post it: the server answers with the confirmation page; only its Sign in button spends the link.
(function () {
  "use strict";
  var form = document.getElementById("magic-link-open");
  var match = /(?:^#|&)t=([-\w]+)/.exec(window.location.hash);
  if (!form || !match) return;
  history.replaceState(null, "", window.location.pathname + window.location.search);
  form.elements.token.value = match[1];
  form.querySelector("[data-magic-manual]").hidden = true;
  form.querySelector("[data-magic-waiting]").hidden = false;
  form.submit();
})();
