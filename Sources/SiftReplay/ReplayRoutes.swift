import Hummingbird

/// A replay that can add its routes to a router; each gets a ready-made ``router()``.
public protocol ReplayRoutes: Sendable {
    /// Adds the replay's routes (under `prefix`) to `router`.
    func addRoutes<Context: RequestContext>(to router: Router<Context>, prefix: String)
}

extension ReplayRoutes {
    /// A router with the replay's routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router, prefix: "")
        return router
    }
}
