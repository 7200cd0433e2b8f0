"""Web handlers for case work; :func:`backoffice.casework.web.routes.casework_routes` lists them."""
