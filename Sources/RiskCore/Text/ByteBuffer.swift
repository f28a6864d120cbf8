/// A growable byte buffer written through a raw pointer, for text outputs of millions of
/// numbers (the per-unit `demand.csv`, GeoJSON coordinates), where an Array's per-append checks
/// and a String per number would cost more than the analysis that fills them. Not Sendable
/// beyond the hand-over of a finished buffer.
public final class ByteBuffer: @unchecked Sendable {
    // The state lives behind a `let` pointer: the appends are inlined into other modules, where
    // a class's stored `var`s would cost a dynamic exclusivity check per byte.
    @usableFromInline struct State {
        @usableFromInline var base: UnsafeMutablePointer<UInt8>
        @usableFromInline var count: Int
        @usableFromInline var capacity: Int
    }

    @usableFromInline let state: UnsafeMutablePointer<State>

    @inlinable var base: UnsafeMutablePointer<UInt8> { state.pointee.base }
    @inlinable var stored: Int {
        get { state.pointee.count }
        set { state.pointee.count = newValue }
    }

    public var count: Int { stored }

    public init(capacity: Int = 256) {
        let c = max(16, capacity)
        state = .allocate(capacity: 1)
        state.initialize(to: State(base: .allocate(capacity: c), count: 0, capacity: c))
    }

    deinit {
        state.pointee.base.deallocate()
        state.deallocate()
    }

    @inlinable public func reserve(_ n: Int) {
        if state.pointee.count + n > state.pointee.capacity { grow(state.pointee.count + n) }
    }

    @usableFromInline func grow(_ needed: Int) {
        let c = max(needed, state.pointee.capacity * 2)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: stored)
        state.pointee.base.deallocate()
        state.pointee.base = b
        state.pointee.capacity = c
    }

    public func removeAll() { stored = 0 }

    @inlinable public func append(_ byte: UInt8) {
        reserve(1)
        base[stored] = byte
        stored += 1
    }

    @inlinable public func append(_ p: UnsafeBufferPointer<UInt8>) {
        guard let a = p.baseAddress else { return }
        reserve(p.count)
        (base + stored).update(from: a, count: p.count)
        stored += p.count
    }

    /// Appends a copy of `count` bytes already written at `offset`.
    public func appendCopy(from offset: Int, count n: Int) {
        precondition(offset >= 0 && offset + n <= stored, "copy from outside the written bytes")
        reserve(n)
        (base + stored).update(from: base + offset, count: n)
        stored += n
    }

    /// Appends `count` bytes of another buffer, from `offset`.
    public func appendCopy(fromBuffer other: ByteBuffer, offset: Int, count n: Int) {
        precondition(offset >= 0 && offset + n <= other.stored, "copy from outside the written bytes")
        reserve(n)
        (base + stored).update(from: other.base + offset, count: n)
        stored += n
    }

    public func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    public func append(_ s: StaticString) {
        s.withUTF8Buffer { append($0) }
    }

    /// The decimal digits of `m`, two at a time.
    @inlinable public func appendDigits(_ m: UInt) {
        var n = 1, t = m
        while t >= 100 {
            t /= 100
            n += 2
        }
        if t >= 10 { n += 1 }
        reserve(n)
        var v = m, k = stored + n
        while v >= 100 {
            let r = Int(v % 100)
            v /= 100
            k -= 2
            base[k] = 0x30 + UInt8(r / 10)
            base[k + 1] = 0x30 + UInt8(r % 10)
        }
        if v >= 10 {
            k -= 2
            base[k] = 0x30 + UInt8(v / 10)
            base[k + 1] = 0x30 + UInt8(v % 10)
        } else {
            base[k - 1] = 0x30 + UInt8(v)
        }
        stored += n
    }

    @inlinable public func appendInteger(_ v: Int) {
        if v < 0 { append(0x2D) }
        appendDigits(v.magnitude)
    }

    /// `v` in Swift's shortest form that reads back exactly (what `"\(v)"` writes), without
    /// making a String.
    public func appendShortest(_ v: Double) {
        var sink = Sink(buffer: self)
        v.write(to: &sink)
    }

    /// `v` in Swift's shortest form that reads back as the same Float.
    public func appendShortest(_ v: Float) {
        var sink = Sink(buffer: self)
        v.write(to: &sink)
    }

    /// `v` with at most `decimals` decimals (0…15), rounded half away from zero, trailing zeros
    /// dropped, no exponent, "-0" written as "0". Returns false, writing nothing, for values it
    /// cannot scale to an integer (non-finite, or |v| × 10^decimals ≥ 9e18).
    @discardableResult
    public func appendFixed(_ v: Double, decimals: Int) -> Bool {
        guard v.isFinite else { return false }
        var scale: Double = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (v * scale).rounded(.toNearestOrAwayFromZero)
        guard abs(scaled) < 9e18 else { return false }
        if scaled == 0 {
            append(0x30)
            return true
        }
        if scaled < 0 { append(0x2D) }
        let n = UInt(abs(scaled)), unit = UInt(scale)
        appendDigits(n / unit)
        var frac = n % unit
        if frac != 0 {
            var digits = decimals
            while frac % 10 == 0 {
                frac /= 10
                digits -= 1
            }
            append(0x2E)
            reserve(digits)
            for k in stride(from: digits - 1, through: 0, by: -1) {
                base[stored + k] = 0x30 + UInt8(frac % 10)
                frac /= 10
            }
            stored += digits
        }
        return true
    }

    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: stored))
    }

    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: stored)) }

    /// The stream `Double.write(to:)` formats into: its digits arrive as ASCII bytes.
    private struct Sink: TextOutputStream {
        let buffer: ByteBuffer
        mutating func write(_ string: String) { buffer.append(string) }
        mutating func _writeASCII(_ p: UnsafeBufferPointer<UInt8>) { buffer.append(p) }
    }
}
