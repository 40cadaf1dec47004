/* The rule form: each row shows the operator and value inputs its field or action needs;
   rows are added and removed in place. Without this script the form still works: every
   input is shown, and the add/remove buttons post the form back. */
(function () {
  "use strict";
  const form = document.getElementById("rule-form");
  if (!form) return;
  const schema = JSON.parse(document.getElementById("rule-schema").textContent);

  function setShown(element, shown) {
    element.hidden = !shown;
    element.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = !shown; });
  }

  function refreshOperators(row, spec) {
    const operator = row.querySelector(".rule-operator");
    const current = operator.value;
    operator.replaceChildren();
    Object.entries(spec ? spec.operators : {}).forEach(([value, label]) => {
      const option = new Option(label, value, false, value === current);
      operator.append(option);
    });
    operator.hidden = !spec;
    operator.disabled = !spec;
  }

  function refresh(row) {
    const isCondition = row.dataset.row === "condition";
    const choice = row.querySelector(".rule-choice").value;
    const spec = (isCondition ? schema.conditions : schema.actions)[choice];
    if (isCondition && row.dataset.choice !== choice) refreshOperators(row, spec);
    row.dataset.choice = choice;
    const operator = isCondition ? row.querySelector(".rule-operator").value : "";
    const valueless = schema.valueless.includes(operator);
    row.querySelectorAll("[data-fields]").forEach((element) => {
      setShown(element, element.dataset.fields.split(" ").includes(choice));
    });
    row.querySelectorAll("[data-kinds]").forEach((element) => {
      setShown(element, Boolean(spec) && !valueless
               && element.dataset.kinds.split(" ").includes(spec.value));
    });
  }

  function addRow(kind) {
    const rows = document.getElementById(kind + "-rows");
    const indexes = Array.from(rows.querySelectorAll(".rule-row"), (row) => Number(row.dataset.index));
    const next = indexes.length ? Math.max(...indexes) + 1 : 0;
    const template = document.getElementById(kind + "-template").innerHTML;
    rows.insertAdjacentHTML("beforeend", template.replaceAll("__index__", String(next)));
    const row = rows.lastElementChild;
    refresh(row);
    row.querySelector(".rule-choice").focus();
  }

  form.addEventListener("change", (event) => {
    const row = event.target.closest(".rule-row");
    if (row && (event.target.matches(".rule-choice") || event.target.matches(".rule-operator"))) refresh(row);
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.add) {
      event.preventDefault();
      addRow(button.dataset.add);
    } else if (button.matches(".rule-remove")) {
      event.preventDefault();
      button.closest(".rule-row").remove();
    }
  });
  form.querySelectorAll(".rule-row").forEach(refresh);
  form.classList.add("scripted");
})();
