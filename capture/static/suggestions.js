// Published answers as the requester types: the "Published answers that may help" page's suggestions,
// shown below the "What information do you want?" box (about 300 ms after typing stops), in a polite
// live region. Without JavaScript the page after this one shows the same answers.
// Each is a link to the answer in the disclosure log, counted by Capture as it is followed; the ids
// shown go with the form, so the separate page is not shown again.
const region = document.querySelector("[data-capture-suggestions]");
const input = region ? document.getElementById(region.dataset.input) : null;

if (region && input && typeof window.fetch === "function") {
  const results = region.querySelector("[data-results]");
  const shown = region.querySelector("[data-shown]");
  const token = region.closest("form")?.querySelector("input[name=csrf_token]");
  const DELAY = 300;
  const MIN = 3;
  let timer = null;
  let controller = null;
  let asked = "";

  const clear = () => {
    results.replaceChildren();
    shown.value = "";
  };

  // Following one is counted by a small POST to Capture (with the page's CSRF token), sent so that it
  // outlives the page, while the link itself opens the answer in the log.
  const count = (found) => {
    const body = new URLSearchParams({ csrf_token: token ? token.value : "", publication: String(found.id) });
    fetch(region.dataset.followUrl, { method: "POST", body, keepalive: true, redirect: "manual",
                                      credentials: "same-origin" }).catch(() => {});
  };

  const item = (found) => {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.className = "govuk-link";
    link.href = found.url;
    link.textContent = found.title;
    link.addEventListener("click", () => count(found));
    link.addEventListener("auxclick", (event) => { if (event.button === 1) count(found); });
    const reference = document.createElement("span");
    reference.className = "govuk-body-s govuk-!-display-block";
    reference.textContent = found.reference;
    li.append(link, reference);
    return li;
  };

  const show = (suggestions) => {
    if (!suggestions.length) {
      clear();
      return;
    }
    const heading = document.createElement("h2");
    heading.className = "govuk-heading-s govuk-!-margin-bottom-1";
    heading.textContent = "Published answers that may help";
    const intro = document.createElement("p");
    intro.className = "govuk-body-s";
    intro.textContent = "We have published answers to requests like this. One may have the information you want.";
    const list = document.createElement("ul");
    list.className = "govuk-list";
    list.append(...suggestions.slice(0, 5).map(item));
    results.replaceChildren(heading, intro, list);
    shown.value = suggestions.slice(0, 5).map((found) => found.id).join(" ");
  };

  const ask = async () => {
    const words = input.value.trim();
    if (words.length < MIN) {
      asked = "";
      clear();
      return;
    }
    if (words === asked) return;
    asked = words;
    if (controller) controller.abort();
    controller = new AbortController();
    const url = `${region.dataset.url}?${new URLSearchParams({ q: words.slice(0, 1000) })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, signal: controller.signal,
                                           credentials: "same-origin" });
      if (!response.ok) return; // suggestions help and are never needed: the page after this one still shows them
      const body = await response.json();
      if (input.value.trim() === words) show(Array.isArray(body.suggestions) ? body.suggestions : []);
    } catch (error) {
      if (error.name !== "AbortError") asked = "";
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  });
  if (input.value.trim().length >= MIN) ask();
}
