import Foundation

/// One run at a time per output folder: an exclusive `flock` on `<out>/.riskcensus.lock`, held
/// for the life of the process. The kernel releases it when the process dies, however it dies,
/// so a run that finds the lock free takes over a folder whose previous run was killed. The
/// file holds the holder's pid and start time for the refusal message.
final class RunLock {
    let path: String
    private let fd: Int32

    init(out: String) throws {
        path = (out as NSString).appendingPathComponent(".riskcensus.lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CensusError.run("\(path): cannot open the run lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw CensusError.run("\(out) is in use by another riskcensus run (\(holder.isEmpty ? "holder unknown" : holder)); "
                                     + "wait for it to finish, or stop it first")
        }
        let note = "pid \(getpid()), started \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
