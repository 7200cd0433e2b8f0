// The timeout warning (the MoJ / HMRC design systems' pattern, WCAG 2.2.1): a modal dialog five
// minutes before the answers kept for this browser would be deleted, with a button to keep them.
// Without JavaScript the page says how long answers are kept instead.
const dialog = document.querySelector("[data-capture-timeout]");

if (dialog && typeof dialog.showModal === "function") {
  const warnSeconds = Number(dialog.dataset.warnSeconds || 300);
  const countdown = dialog.querySelector("[data-countdown]");
  const announce = dialog.querySelector("[data-announce]");
  const button = dialog.querySelector("[data-continue]");
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft || 86400) * 1000;
  let warnTimer = null;
  let tick = null;

  const words = () => {
    const minutes = Math.ceil((deadline - Date.now()) / 60000);
    if (minutes <= 0) return "less than a minute";
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  };

  const update = (speak) => {
    countdown.textContent = words();
    if (speak) announce.textContent = `We will delete your answers in ${words()} unless you continue.`;
  };

  const schedule = () => {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(warn, Math.max(0, deadline - warnSeconds * 1000 - Date.now()));
  };

  const warn = () => {
    update(false);
    dialog.showModal();
    button.focus();
    let ticks = 0;
    tick = setInterval(() => {
      ticks += 1;
      update(ticks % 4 === 0); // announce once a minute, not every 15 seconds
    }, 15000);
  };

  const keep = async () => {
    clearInterval(tick);
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": dialog.dataset.csrfToken },
      });
      if (response.ok) deadline = Date.now() + 24 * 3600 * 1000;
    } finally {
      dialog.close();
      schedule();
    }
  };

  button.addEventListener("click", keep);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape means "continue", as in the MoJ pattern
    keep();
  });
  schedule();
}
