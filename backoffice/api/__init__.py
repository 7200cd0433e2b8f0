"""The Create Case API: JSON over HTTP for trusted systems, under ``/backoffice/api/v1``.

This package only translates between JSON and the case core (``backoffice.cases``);
every rule about what a valid case is lives there. Kept import-free so that
``backoffice.plugin.MODEL_MODULES`` can load the API's one table without pulling in the web layer.
"""
