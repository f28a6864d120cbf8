import Foundation

/// One line for an error from Foundation or the C library, in place of Foundation's dump
/// (`Error Domain=NSCocoaErrorDomain Code=640 "(null)" UserInfo={…}`): what failed, and the path.
package enum SystemErrorText {
    package static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let what: String?
        switch ns.domain {
        case NSCocoaErrorDomain:
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: what = "file not found"
            case .fileReadNoPermission, .fileWriteNoPermission: what = "permission denied"
            case .fileWriteOutOfSpace: what = "no space left on the device"
            case .fileWriteVolumeReadOnly: what = "the file system is read-only"
            case .fileWriteFileExists: what = "a file of that name already exists"
            case .fileReadCorruptFile: what = "the file is corrupt"
            case .fileReadInapplicableStringEncoding: what = "the file is not text in the expected encoding"
            case .fileReadTooLarge: what = "the file is too large to read"
            case .fileLocking: what = "the file is locked"
            case .fileReadUnknown, .fileWriteUnknown: what = ns.code == CocoaError.fileReadUnknown.rawValue ? "read failed" : "write failed"
            default: what = nil
            }
        case NSPOSIXErrorDomain:
            what = String(cString: strerror(Int32(ns.code)))
        default:
            what = nil
        }
        if let what {
            let cause = (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { u in
                u.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(u.code))) : nil
            }
            let detail = cause.map { what.lowercased() == $0.lowercased() ? what : "\(what) (\($0))" } ?? what
            return path.map { "\($0): \(detail)" } ?? detail
        }
        let text = "\(error)"
        if text.hasPrefix("Error Domain=") {
            return path.map { "\($0): \(ns.domain) error \(ns.code)" } ?? "\(ns.domain) error \(ns.code)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
