"""Reading images and documents into grey numpy arrays, within the read limits."""
