// The thread header's macro picker: "m" opens it, typing filters, arrows move, Enter applies
// (the header's form posts through inbox.js's data-command handling), Escape closes.
(function () {
  "use strict";

  function visibleOptions(dialog) {
    return Array.from(dialog.querySelectorAll("li[data-macro]")).filter((li) => !li.hidden);
  }

  function choose(dialog, option) {
    dialog.querySelectorAll("li[data-macro]").forEach((li) => {
      li.classList.toggle("chosen", li === option);
      li.setAttribute("aria-selected", String(li === option));
    });
  }

  function filter(dialog, text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    for (const li of dialog.querySelectorAll("li[data-macro]")) {
      const name = li.textContent.toLowerCase();
      li.hidden = !words.every((word) => name.includes(word));
    }
    choose(dialog, visibleOptions(dialog)[0] || null);
  }

  function apply(dialog, option) {
    const form = document.getElementById("macro-form");
    if (!form || !option) return;
    form.querySelector("select[name=macro]").value = option.dataset.macro;
    dialog.close();
    form.requestSubmit();
  }

  function open() {
    const dialog = document.getElementById("macro-dialog");
    if (!dialog) return;
    const input = dialog.querySelector("#macro-filter");
    input.value = "";
    filter(dialog, "");
    dialog.showModal();
    input.focus();
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.id === "macro-filter") {
      const dialog = document.getElementById("macro-dialog");
      const options = visibleOptions(dialog);
      const index = options.findIndex((li) => li.classList.contains("chosen"));
      if (event.key === "Enter") {
        event.preventDefault();
        apply(dialog, options[index] || options[0]);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!options.length) return;
        const step = event.key === "ArrowDown" ? 1 : -1;
        choose(dialog, options[(index + step + options.length) % options.length]);
      }
      return;
    }
    if (target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "m" && document.getElementById("macro-dialog")) {
      event.preventDefault();
      open();
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target.id === "macro-filter") filter(document.getElementById("macro-dialog"), event.target.value);
  });

  document.addEventListener("click", (event) => {
    const option = event.target.closest("#macro-options li[data-macro]");
    if (option) apply(document.getElementById("macro-dialog"), option);
  });
})();
