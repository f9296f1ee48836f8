import SiftReplay
