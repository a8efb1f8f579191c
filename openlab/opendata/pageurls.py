"""Page URLs without a query or a cache lookup per page.

`Page.get_url()` asks the cache for the site root paths on every call; lists of
thousands of pages (exports, digests) compute the path from `url_path` instead,
with the site roots looked up once.
"""

from wagtail.models import Site


class PageUrls:
    def __init__(self, base_url=""):
        self.base_url = base_url.rstrip("/")
        # Most specific root first, as Wagtail orders them.
        self.roots = [root.root_path for root in Site.get_site_root_paths()]

    def path(self, page_or_url_path):
        url_path = getattr(page_or_url_path, "url_path", page_or_url_path) or ""
        for root in self.roots:
            if url_path.startswith(root):
                return "/" + url_path[len(root) :]
        return ""

    def url(self, page_or_url_path):
        path = self.path(page_or_url_path)
        return f"{self.base_url}{path}" if path else ""
