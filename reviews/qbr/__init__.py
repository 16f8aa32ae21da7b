"""Quarterly business review packs: their contents, exports (XLSX, PDF, CSV), delivery."""
