import LogDump

extension RequestAuthorizer {
    /// Runs `attempt` with headers made now for `request`; after a 401, once more with
    /// new headers when the authorizer has a newer credential. A 401 that stands is
    /// thrown, and logged once with the server's error_code and error_msg (never a
    /// secret). A 401 comes before any body byte, so whatever the attempt feeds has seen
    /// nothing when it is replayed. `serverDate` gives the refusing answer's Date header;
    /// `renewed` is called when a newer credential was got.
    func withRenewal<T>(_ request: OutgoingRequest, serverDate: () -> String? = { nil },
                        renewed: () -> Void = {},
                        _ attempt: (RequestAuthorization) throws(RemoteError) -> T) throws(RemoteError) -> T {
        let rejected = try authorize(request)
        do {
            return try attempt(rejected)
        } catch where error.status == 401 {
            if try renew(after: rejected, Rejection(error: error, serverDate: serverDate())) {
                renewed()
                do {
                    return try attempt(try authorize(request))
                } catch where error.status == 401 {
                    Log.warning("the server refused renewed credentials too: \(error)")
                    throw error
                }
            }
            Log.warning("the server refused the credentials and there are no newer ones: \(error)")
            throw error
        }
    }
}
