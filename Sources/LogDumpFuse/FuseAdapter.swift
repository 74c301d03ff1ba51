// The FUSE adapter lives here.
