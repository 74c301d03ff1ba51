print("logdumpfs")
