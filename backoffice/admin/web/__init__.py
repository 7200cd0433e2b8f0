"""Web handlers of the administration pages; ``routes.admin_routes()`` lists them."""
