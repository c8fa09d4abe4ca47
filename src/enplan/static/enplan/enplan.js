// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:responseError", (e) => {
  const box = document.getElementById("net-error");
  if (!box) return;
  box.textContent = (document.documentElement.lang === "da"
    ? "Noget gik galt (" : "Something went wrong (") + e.detail.xhr.status + ").";
  box.hidden = false;
});
document.addEventListener("htmx:sendError", () => {
  const box = document.getElementById("net-error");
  if (!box) return;
  box.textContent = document.documentElement.lang === "da"
    ? "Ingen forbindelse til serveren. Prøv igen." : "No connection to the server. Try again.";
  box.hidden = false;
});
document.addEventListener("change", (e) => {
  if (e.target.matches("[data-toggle-unchanged]")) {
    document.getElementById("compare-table").classList.toggle("only-changes", e.target.checked);
  }
});
