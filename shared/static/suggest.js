// Suggestions as someone types: a region marked data-suggest asks its data-url (?q=the text of the
// data-input box, and of data-also when given) about 300 ms after typing stops, and lists what comes back
// ({"suggestions": [{"title", "url", "summary"}]}) in its polite live region under data-heading.
// Without JavaScript the form's own "check" button shows the same list on the page.
for (const region of document.querySelectorAll("[data-suggest]")) {
  const input = document.getElementById(region.dataset.input);
  const also = region.dataset.also ? document.getElementById(region.dataset.also) : null;
  const results = region.querySelector("[data-results]");
  const shown = region.querySelector("[data-shown]");
  if (!input || !results || typeof window.fetch !== "function") continue;
  const DELAY = 300;
  const MIN = 3;
  let timer = null;
  let controller = null;
  let asked = "";

  const text = () => `${also ? also.value : ""} ${input.value}`.trim();

  const show = (suggestions) => {
    if (!suggestions.length) {
      results.replaceChildren();
      if (shown) shown.value = "0";
      return;
    }
    const heading = document.createElement("h2");
    heading.className = "govuk-heading-s govuk-!-margin-bottom-1";
    heading.textContent = region.dataset.heading || "Suggestions";
    const list = document.createElement("ul");
    list.className = "govuk-list";
    for (const found of suggestions.slice(0, 5)) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.className = "govuk-link";
      link.href = found.url;
      link.textContent = found.title;
      const summary = document.createElement("span");
      summary.className = "govuk-body-s govuk-!-display-block";
      summary.textContent = found.summary || "";
      li.append(link, summary);
      list.append(li);
    }
    results.replaceChildren(heading, list);
    if (shown) shown.value = String(Math.min(5, suggestions.length));
  };

  const ask = async () => {
    const words = text();
    if (words.length < MIN || words === asked) return;
    asked = words;
    if (controller) controller.abort();
    controller = new AbortController();
    const url = `${region.dataset.url}?${new URLSearchParams({ q: words.slice(0, 2000) })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, signal: controller.signal,
                                           credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      if (text() === words) show(Array.isArray(body.suggestions) ? body.suggestions : []);
    } catch (error) {
      if (error.name !== "AbortError") asked = "";
    }
  };

  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  };
  input.addEventListener("input", later);
  if (also) also.addEventListener("input", later);
}
