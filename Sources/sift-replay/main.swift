print("sift-replay: not built yet")
