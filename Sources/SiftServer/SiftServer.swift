// Hummingbird application for Sift.
