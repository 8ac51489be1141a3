import Crypto
import Foundation

/// SHA-256 digests for provenance (inputs, settings, configs and outputs in `rigmap.lock`), through swift-crypto.
///
/// Files are hashed in fixed-size chunks, so hashing a large input never loads it whole.
public enum Digest {
    /// Bytes per read when hashing a file.
    static let chunkSize = 1 << 20

    /// The digest of `bytes` as 64 lower-case hex digits.
    public static func sha256<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = Crypto.SHA256()
        if let contiguous = bytes.withContiguousStorageIfAvailable({ buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }) {
            _ = contiguous
        } else {
            hasher.update(data: Array(bytes))
        }
        return hex(hasher.finalize())
    }

    /// The digest of a string's UTF-8 bytes.
    public static func sha256(_ text: String) -> String {
        var copy = text
        return copy.withUTF8 { sha256(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
    }

    /// The digest of a file's bytes, read in chunks; `nil` when it cannot be opened or read.
    public static func sha256(ofFile url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        var hasher = Crypto.SHA256()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: chunkSize)
            } catch {
                return nil
            }
            guard let chunk, !chunk.isEmpty else { break }  // nil or empty: end of file
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    /// A running digest over several parts, for hashes of composite values (a folder's read files).
    public struct Running {
        private var hasher = Crypto.SHA256()
        public init() {}
        public mutating func update(_ text: String) { hasher.update(data: Array(text.utf8)) }
        public mutating func update(bytes: [UInt8]) { hasher.update(data: bytes) }
        public func finalize() -> String { Digest.hex(hasher.finalize()) }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
