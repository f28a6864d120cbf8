import Dispatch

/// A value computed on another thread while the caller goes on with other work; `value()`
/// waits for it. Lets a serial step (the exact assignment) share the cores with an independent
/// one (dissolving the blind zones).
public final class Background<T>: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: Result<T, any Error>?

    /// With one worker (`Workers.limit`), `body` runs here and now.
    public init(_ body: @escaping @Sendable () throws -> T) {
        guard Workers.limit > 1 else {
            result = Result(catching: body)
            return
        }
        group.enter()
        DispatchQueue.global().async {
            self.result = Result(catching: body)
            self.group.leave()
        }
    }

    /// The value, or the error `body` threw, once it is done.
    public func value() throws -> T {
        group.wait()
        return try result!.get()
    }
}
