"""What the app draws and shows of a reading."""
