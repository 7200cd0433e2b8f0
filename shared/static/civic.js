// Start GOV.UK Frontend's components from an external module, so the CSP needs no inline script.
import { initAll } from "../assets/govuk-frontend.min.js";

initAll();
