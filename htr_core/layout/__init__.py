"""Page layout: preparing a page and finding its lines and words."""
