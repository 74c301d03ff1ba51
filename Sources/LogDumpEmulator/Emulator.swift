// The emulator lives here.
