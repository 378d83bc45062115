/* Brightwater Analytics — small site behaviours. No trackers. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.querySelector(".main-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }

    var banner = document.querySelector(".cookie-banner");
    if (banner && !window.localStorage.getItem("bw-cookie-ok")) {
      banner.classList.add("visible");
      banner.querySelector("button").addEventListener("click", function () {
        window.localStorage.setItem("bw-cookie-ok", "1");
        banner.classList.remove("visible");
      });
    }

    var year = document.querySelector("[data-year]");
    if (year) { year.textContent = String(new Date().getFullYear()); }
  });
})();
