// "Since your last visit": remembers, per brief, the update time of the version last read, and offers
// a link to the changes since then when the brief has been updated. Nothing leaves the browser.
(function () {
  "use strict";
  var article = document.querySelector("article[data-brief]");
  if (!article) {
    return;
  }
  var key = "briefs:last-visit:" + article.getAttribute("data-brief");
  var updated = article.getAttribute("data-updated");
  var seen = null;
  try {
    seen = window.localStorage.getItem(key);
  } catch (error) {
    return; // Storage disabled: the page works without the link.
  }
  if (seen && updated && Date.parse(seen) < Date.parse(updated)) {
    var box = article.querySelector(".since-visit");
    var link = box && box.querySelector("a");
    if (link) {
      link.setAttribute("href", link.getAttribute("href") + "?since=" + encodeURIComponent(seen));
      box.hidden = false;
    }
  }
  try {
    window.localStorage.setItem(key, updated || new Date().toISOString());
  } catch (error) {
    // Quota or privacy mode: nothing to remember this time.
  }
})();
