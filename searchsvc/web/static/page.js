// The search page works without this script: its form and links are plain GET
// requests. With it, a search swaps in the results part of the page instead of
// reloading it, searches as you type, and keeps the address in step, so that the
// back button and shared links still work.
(function () {
  "use strict";
  var form = document.getElementById("search");
  var region = document.getElementById("results");
  if (!form || !region || !window.fetch || !window.URLSearchParams || !history.pushState) {
    return;
  }
  var box = form.elements.namedItem("q");
  var TYPING_PAUSE_MS = 300;
  var timer = null;
  var latest = 0;

  function queryOf(data) {
    var params = new URLSearchParams();
    data.forEach(function (value, name) {
      if (value !== "" || name === "q") {
        params.append(name, value);
      }
    });
    return params.toString();
  }

  function formQuery() {
    return queryOf(new FormData(form));
  }

  // Which control had the focus, so that the same one has it in the new results.
  function focusKey() {
    var el = document.activeElement;
    if (!el || !region.contains(el) || !el.name) {
      return null;
    }
    return { name: el.name, value: el.type === "checkbox" ? el.value : null };
  }

  function restoreFocus(key) {
    if (!key) {
      return;
    }
    var candidates = region.querySelectorAll("[name]");
    for (var i = 0; i < candidates.length; i++) {
      var el = candidates[i];
      if (el.name === key.name && (key.value === null || el.value === key.value)) {
        el.focus();
        return;
      }
    }
  }

  function load(query, how, afterwards) {
    var ticket = ++latest;
    var key = focusKey();
    region.setAttribute("aria-busy", "true");
    return fetch("/page/results" + (query ? "?" + query : ""), {
      headers: { Accept: "text/html" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        if (ticket !== latest) {
          return; // an older answer, overtaken by a newer search
        }
        region.innerHTML = html;
        var url = "/" + (query ? "?" + query : "");
        if (how === "push") {
          history.pushState({ query: query }, "", url);
        } else if (how === "replace") {
          history.replaceState({ query: query }, "", url);
        }
        var q = new URLSearchParams(query).get("q");
        document.title = (q ? q + " - " : "") + "News search";
        restoreFocus(key);
        if (afterwards) {
          afterwards();
        }
      })
      .catch(function () {
        // The server could not be reached this way: a plain page load says why.
        window.location.href = "/" + (query ? "?" + query : "");
      })
      .finally(function () {
        if (ticket === latest) {
          region.removeAttribute("aria-busy");
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    load(formQuery(), "push");
  });

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "checkbox" || target.tagName === "SELECT") {
      clearTimeout(timer);
      load(formQuery(), "push");
    }
  });

  if (box) {
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        // A new query starts at its first page and keeps the filters chosen.
        load(formQuery(), "replace");
      }, TYPING_PAUSE_MS);
    });
  }

  region.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-search]") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    // getAttribute: the href of a link inside SVG is an object, not a string.
    var url = new URL(link.getAttribute("href"), window.location.href);
    if (url.origin !== window.location.origin) {
      return;
    }
    event.preventDefault();
    clearTimeout(timer);
    var query = url.search.replace(/^\?/, "");
    load(query, "push", function () {
      if (box) {
        box.value = new URLSearchParams(query).get("q") || "";
      }
      var heading = document.getElementById("results-heading");
      if (heading) {
        heading.focus();
      }
    });
  });

  window.addEventListener("popstate", function () {
    var query = window.location.search.replace(/^\?/, "");
    clearTimeout(timer);
    load(query, null, function () {
      if (box) {
        box.value = new URLSearchParams(query).get("q") || "";
      }
    });
  });
})();
