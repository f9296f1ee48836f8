print("siftd")
