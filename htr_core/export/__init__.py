"""Page results written as text, JSON, PAGE XML, ALTO, hOCR and searchable PDF."""
