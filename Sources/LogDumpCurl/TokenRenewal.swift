import LogDump

extension TokenSource {
    /// Runs `attempt` with the current token; after a 401, once more with a renewed token
    /// when the source has a new one. A 401 that stands is thrown, and logged once with the
    /// server's error_code and error_msg (never the token). A 401 comes before any body
    /// byte, so whatever the attempt feeds has seen nothing when it is replayed.
    func withRenewal<T>(_ attempt: (String) throws(RemoteError) -> T) throws(RemoteError) -> T {
        let rejected = try currentToken()
        do {
            return try attempt(rejected)
        } catch where error.status == 401 {
            let renewed = try renewed(after: rejected)
            if renewed != rejected {
                do {
                    return try attempt(renewed)
                } catch where error.status == 401 {
                    Log.warning("the server refused a renewed token too: \(error)")
                    throw error
                }
            }
            Log.warning("the server refused the token and there is no newer one: \(error)")
            throw error
        }
    }
}
