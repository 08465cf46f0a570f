// Ticks the elapsed time (and the time-based progress) of every running job
// card in the browser. The server draws a card only when the job's state
// changes, so an unchanged poll is a cheap 304 (studio/poll.py); the seconds
// are counted here. data-started is when the job started (server clock) and
// data-now when the server drew the card: the first card seen for a job fixes
// the offset between the two clocks, and a card the browser reuses from its
// cache (an older data-now) keeps that offset.
(function () {
  "use strict";
  if (window.studioJobClockReady) return;
  window.studioJobClockReady = true;

  var offsets = {};  // card id → browser clock minus server clock, in seconds

  function offsetFor(card, clock) {
    var id = card ? card.id : "";
    if (!(id in offsets)) {
      offsets[id] = Date.now() / 1000 - parseFloat(clock.getAttribute("data-now"));
    }
    return offsets[id];
  }

  function tick() {
    var clocks = document.querySelectorAll(".job-card [data-started]");
    for (var i = 0; i < clocks.length; i++) {
      var clock = clocks[i];
      var card = clock.closest(".job-card");
      var started = parseFloat(clock.getAttribute("data-started"));
      if (isNaN(started)) continue;
      var elapsed = Math.max(0, Date.now() / 1000 - offsetFor(card, clock) - started);
      clock.textContent = elapsed.toFixed(1) + " s";
      var bar = card && card.querySelector("progress[data-expected]");
      var expected = bar && parseFloat(bar.getAttribute("data-expected"));
      if (expected > 0) {
        bar.max = 1;
        bar.value = Math.min(0.95, elapsed / expected);
      }
    }
  }

  // An unchanged card comes back as 304. The browser normally turns that into
  // its cached 200 by itself; should a bare 304 reach htmx, keep the card.
  if (window.htmx && htmx.config && htmx.config.responseHandling) {
    htmx.config.responseHandling.unshift({ code: "304", swap: false });
  }
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 200);
})();
