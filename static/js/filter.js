// A search box that narrows a long list: <input data-filter="<selector of the items>">
// hides the items whose text does not contain what was typed (checked ones stay visible).
// The box is hidden until this script runs, so a page without JavaScript lists everything.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var items = document.querySelectorAll(input.getAttribute("data-filter"));
    input.hidden = false;
    input.addEventListener("input", function () {
      var term = input.value.trim().toLocaleLowerCase();
      items.forEach(function (item) {
        var box = item.querySelector("input");
        var match = !term || item.textContent.toLocaleLowerCase().indexOf(term) !== -1;
        item.hidden = !(match || (box && box.checked));
      });
    });
  });
});
