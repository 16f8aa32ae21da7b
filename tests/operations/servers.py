"""How a test hands a database to manage.py, a worker or a web server in another process."""

from urllib.parse import quote


def database_url(config: dict, name: str) -> str:
    """DATABASE_URL for database `name` on the server of a Django DATABASES entry; a socket
    directory (the embedded engine's) goes in `?host=`, as libpq takes it."""
    user = quote(config.get("USER") or "", safe="")
    password = f":{quote(config['PASSWORD'], safe='')}" if config.get("PASSWORD") else ""
    host = str(config.get("HOST") or config.get("OPTIONS", {}).get("host") or "")
    port = f":{config['PORT']}" if config.get("PORT") else ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@{port}/{name}?host={quote(host, safe='/')}"
    return f"postgres://{user}{password}@{host}{port}/{name}"
