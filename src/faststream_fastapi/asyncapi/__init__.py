"""AsyncAPI documents (2.6.0 and 3.0.0) and their JSON, YAML and HTML forms."""

from .render import render_html, to_yaml
from .schema import get_app_schema

__all__ = ["get_app_schema", "render_html", "to_yaml"]
