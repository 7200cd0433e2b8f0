"""Copy GOV.UK Frontend's built files from node_modules into dist/, which the apps serve at <app>/assets.

Two rewrites make the files fit the suite:
- ``url(/assets/…)`` becomes relative, so fonts and images load under any mount prefix
  (/capture/assets/…, /backoffice/assets/…) or on an app's own host;
- a second stylesheet drops GDS Transport for the organisation brand: the font is only
  for services on GOV.UK.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINNED = "6.3.0"


def build(node_modules: Path = HERE / "node_modules", dist: Path = HERE / "dist") -> None:
    package = node_modules / "govuk-frontend"
    version = json.loads((package / "package.json").read_text())["version"]
    if version != PINNED:
        sys.exit(f"govuk-frontend {version} is installed; the suite is pinned to {PINNED}. Run npm ci.")
    source = package / "dist" / "govuk"
    if dist.exists():
        shutil.rmtree(dist)
    dist.mkdir(parents=True)
    css = (source / "govuk-frontend.min.css").read_text()
    css = css.replace("url(/assets/", "url(")
    (dist / "govuk-frontend.min.css").write_text(css)
    organisation = re.sub(r"@font-face\{font-family:GDS Transport;[^}]*\}", "", css)
    organisation = organisation.replace("font-family:GDS Transport,arial,sans-serif", "font-family:arial,sans-serif")
    organisation = organisation.replace("font-family:GDS Transport", "font-family:arial,sans-serif")
    (dist / "govuk-frontend-organisation.min.css").write_text(organisation)
    for name in ("govuk-frontend.min.js", "govuk-frontend.min.js.map"):
        if (source / name).exists():
            shutil.copy2(source / name, dist / name)
    for folder in ("fonts", "images"):
        shutil.copytree(source / "assets" / folder, dist / folder)
    shutil.copy2(source / "assets" / "manifest.json", dist / "manifest.json")
    (dist / "VERSION").write_text(version + "\n")


if __name__ == "__main__":
    build()
    print(f"GOV.UK Frontend {PINNED} copied to {HERE / 'dist'}")
